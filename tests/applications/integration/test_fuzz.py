"""No batch body, however malformed, yields a 5xx."""

from __future__ import annotations

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)
field_values = st.one_of(
    st.text(max_size=70), st.integers(-(2**63), 2**63 - 1), st.floats(), st.none(), st.booleans(),
    st.sampled_from(["2026-01-01T00:00:00+08:00", "2026-01-01", "1e309", "-0.00", "NaN", "99999999999999.99", "shop-1", "CNY", "o-1", "2026-02-30", "2020-01-01"]),
)
rows = st.lists(
    st.one_of(
        json_values,
        st.fixed_dictionaries({}, optional={k: field_values for k in ("order_id", "refund_id", "payout_id", "merchant_ref", "sold_at", "refunded_at", "paid_at", "amount", "currency", "category", "day", "inflow", "outflow")}),
    ),
    max_size=8,
)
bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(orjson.dumps),
    rows.map(lambda r: orjson.dumps({"rows": r})),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, kind=st.sampled_from(["orders", "refunds", "payouts", "account-flows"]))
def test_no_batch_body_yields_a_server_error(api, body, kind):
    if not hasattr(api, "plat"):
        _, api.plat = api.platform("fuzz")
        api.merchant(api.plat, "shop-1")
    r = api.client.post(f"/v1/platform/{kind}:batch", content=body, headers={**api.plat, "content-type": "application/json"})
    assert r.status_code < 500, r.text
    assert r.status_code in (200, 413, 422)
