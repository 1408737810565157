"""Business calendar: Spring Festival table, shopping festivals, harvest windows, features."""

from datetime import UTC, date, datetime

import numpy as np
import pytest

from ruralcredit_common import calendar as cal


def test_spring_festival_known_dates_and_range():
    assert cal.spring_festival(2024) == date(2024, 2, 10)
    assert cal.spring_festival(2025) == date(2025, 1, 29)
    assert len(cal.SPRING_FESTIVAL) == 31
    with pytest.raises(ValueError):
        cal.spring_festival(2041)


def test_business_date_is_shanghai():
    assert cal.business_date(datetime(2025, 1, 1, 17, 0, tzinfo=UTC)) == date(2025, 1, 2)
    with pytest.raises(ValueError):
        cal.business_date(datetime(2025, 1, 1, 17, 0))


def test_features_mark_festivals_and_weekdays():
    start = date(2025, 1, 1)
    f = cal.calendar_features(start, 365)
    days = cal.date_range(start, 365)
    assert [d.weekday() for d in days] == list(f["dow"])
    assert days[int(np.argmax(f["d618"]))] == date(2025, 6, 18)
    assert days[int(np.argmax(f["d1111"]))] == date(2025, 11, 11)
    assert f["d618"].sum() == f["d1111"].sum() == 1
    ramp = f["ramp1111"][(date(2025, 10, 24) - start).days : (date(2025, 11, 11) - start).days]
    assert np.all(np.diff(ramp) > 0) and ramp[-1] == pytest.approx(1.0)
    sf = (date(2025, 1, 29) - start).days
    assert f["sf_slump"][sf] == 1 and f["sf_peak"][sf - 10] == 1 and f["sf_offset"][sf] == 0


def test_harvest_windows_including_one_over_new_year():
    f = cal.calendar_features(date(2025, 1, 1), 365)
    doy = {d: (d - date(2025, 1, 1)).days for d in (date(2025, 7, 10), date(2025, 12, 20), date(2025, 1, 10), date(2025, 4, 1))}
    assert f["harvest_mango"][doy[date(2025, 7, 10)]] == 1 and f["harvest_mango"][doy[date(2025, 12, 20)]] == 0
    assert f["harvest_citrus"][doy[date(2025, 12, 20)]] == 1 and f["harvest_citrus"][doy[date(2025, 1, 10)]] == 1
    assert f["harvest_tea"][doy[date(2025, 4, 1)]] == 1


def test_outside_table_is_an_error():
    with pytest.raises(ValueError):
        cal.calendar_features(date(2009, 12, 1), 10)
