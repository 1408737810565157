"""Reason codes in plain Chinese and English, for or against the merchant, and what would have to change."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

HIGH, LOW = "high", "low"

# feature -> (code, English name, Chinese name, side, English text, Chinese text). The text
# describes a value on `side` of the portfolio median; a value on the other side gets a neutral
# sentence instead, so a non-monotone feature is never described the wrong way round.
CATALOGUE: dict[str, tuple[str, str, str, str, str, str]] = {
    "coverage_p10": (
        "R01",
        "cautious collections coverage",
        "保守回款覆盖倍数",
        LOW,
        "Cautious forecast collections cover the repayment only thinly",
        "保守预测回款对还款的覆盖不足",
    ),
    "coverage_p50": (
        "R02",
        "expected collections coverage",
        "预期回款覆盖倍数",
        LOW,
        "Expected collections cover the repayment only thinly",
        "预期回款对还款的覆盖不足",
    ),
    "history_days": (
        "R03",
        "sales history (days)",
        "经营流水天数",
        LOW,
        "Short sales history on the platforms",
        "平台经营流水历史较短",
    ),
    "volatility": (
        "R04",
        "daily sales volatility",
        "日销售波动",
        HIGH,
        "Sales swing a lot from day to day",
        "销售额波动较大",
    ),
    "refund_rate": ("R05", "refund rate", "退款率", HIGH, "High share of sales refunded", "退款率偏高"),
    "growth": ("R06", "sales growth", "销售增长", LOW, "Sales are flat or falling", "销售额增长乏力或下滑"),
    "seasonality_strength": (
        "R07",
        "seasonality",
        "季节性强度",
        HIGH,
        "Sales depend strongly on the season",
        "销售季节性强",
    ),
    "peak_to_trough": (
        "R08",
        "peak-to-trough ratio",
        "旺淡季比",
        HIGH,
        "Large gap between busy and slow months",
        "旺季与淡季差距大",
    ),
    "biggest_month_share": (
        "R09",
        "biggest month's share",
        "最大单月占比",
        HIGH,
        "Sales concentrated in a single month",
        "销售集中在单个月份",
    ),
    "days_since_last_sale": (
        "R10",
        "days since last sale",
        "距上次销售天数",
        HIGH,
        "No sales in recent days",
        "近期无销售",
    ),
    "settlement_regularity": (
        "R11",
        "settlement regularity",
        "结算规律性",
        LOW,
        "Platform payouts arrive irregularly",
        "平台结算回款不规律",
    ),
    "sales_level": ("R12", "sales level (yuan/day)", "日均销售额", LOW, "Small sales volume", "销售规模较小"),
    "cash_gap": (
        "R13",
        "seasonal cash gap",
        "季节性资金缺口",
        HIGH,
        "Deep seasonal cash gap before sales arrive",
        "季节性资金缺口较大",
    ),
    "zero_day_share": (
        "R15",
        "share of days without sales",
        "无销售天数占比",
        HIGH,
        "Many days without any sales",
        "无销售天数占比高",
    ),
    "weekly_volatility": (
        "R16",
        "weekly sales volatility",
        "周销售波动",
        HIGH,
        "Sales swing from week to week",
        "周销售额波动较大",
    ),
    "loan_amount": (
        "R17",
        "amount asked (yuan)",
        "申请金额",
        HIGH,
        "Amount is large for the business",
        "申请金额相对经营规模偏大",
    ),
    "term_days": ("R18", "term (days)", "借款期限", HIGH, "Long repayment term", "借款期限较长"),
    "coverage_harvest": (
        "R19",
        "season-aware collections coverage",
        "按季节估算的回款覆盖倍数",
        LOW,
        "Collections expected in this season cover the repayment only thinly",
        "按当季经营估算的回款对还款的覆盖不足",
    ),
    "harvest_lift": (
        "R20",
        "harvest-season lift",
        "收获季销售提升",
        HIGH,
        "Sales depend heavily on the harvest season",
        "销售高度依赖收获季",
    ),
    "term_harvest_share": (
        "R21",
        "share of the term in harvest season",
        "借款期内收获季占比",
        LOW,
        "Little of the loan term falls in the selling season",
        "借款期内旺季销售时间较少",
    ),
    "recent_harvest_share": (
        "R22",
        "recent days in harvest season",
        "近期处于收获季的天数占比",
        HIGH,
        "Recent sales were lifted by the harvest season",
        "近期销售受收获季带动",
    ),
}

# feature -> (English, Chinese) text for a value on the other side of the median, where the
# feature lowered the risk: the factors in the merchant's favour, given with an approval.
FAVOUR: dict[str, tuple[str, str]] = {
    "coverage_p10": ("Cautious forecast collections cover the repayment comfortably", "保守预测回款足以覆盖还款"),
    "coverage_p50": ("Expected collections cover the repayment comfortably", "预期回款足以覆盖还款"),
    "history_days": ("Long sales history on the platforms", "平台经营流水历史较长"),
    "volatility": ("Steady sales from day to day", "日销售额平稳"),
    "refund_rate": ("Few sales refunded", "退款率低"),
    "growth": ("Sales are growing", "销售额保持增长"),
    "seasonality_strength": ("Sales hold up all year round", "全年销售平稳，季节性弱"),
    "peak_to_trough": ("Small gap between busy and slow months", "旺季与淡季差距小"),
    "biggest_month_share": ("Sales spread across the year", "销售分布在全年各月"),
    "days_since_last_sale": ("Selling right up to the application", "近期持续有销售"),
    "settlement_regularity": ("Platform payouts arrive regularly", "平台结算回款规律"),
    "sales_level": ("Large sales volume", "销售规模较大"),
    "cash_gap": ("Little or no seasonal cash gap", "季节性资金缺口小"),
    "zero_day_share": ("Sells nearly every day", "几乎每天都有销售"),
    "weekly_volatility": ("Steady sales from week to week", "周销售额平稳"),
    "loan_amount": ("Amount is modest for the business", "申请金额相对经营规模适中"),
    "term_days": ("Short repayment term", "借款期限较短"),
    "coverage_harvest": ("Collections expected in this season cover the repayment comfortably", "按当季经营估算的回款足以覆盖还款"),
    "harvest_lift": ("Sales do not hinge on the harvest season", "销售不过度依赖收获季"),
    "term_harvest_share": ("Much of the loan term falls in the selling season", "借款期内大部分时间处于销售旺季"),
    "recent_harvest_share": ("Recent sales were not lifted by the harvest season", "近期销售并非依赖收获季带动"),
}

# Features that describe a harvest: all three are exactly 0 for a merchant with no produce (a
# village shop, say), for whom a sentence about its harvest would be nonsense.
HARVEST = ("harvest_lift", "recent_harvest_share", "term_harvest_share")

# Why a policy rule fired, and what would have to change for it not to.
POLICY_TEXT: dict[str, tuple[str, str]] = {
    "min_history": (
        "Sales history of at least {min_history_days} days is needed",
        "需要至少{min_history_days}天的经营流水",
    ),
    "short_history": (
        "Automatic approval needs {min_history_days} days of sales history",
        "自动审批需要至少{min_history_days}天的经营流水",
    ),
    "pd_ceiling": ("Estimated risk is above what the bank can lend at", "预估违约概率超过可放贷上限"),
    "pd_refer": ("Estimated risk needs a loan officer's review", "预估违约概率需信贷员复核"),
    "coverage_floor": (
        "Cautious collections must cover at least {refer_coverage_floor:.0%} of the repayment: ask for less or for longer",
        "保守预测回款需覆盖至少{refer_coverage_floor:.0%}的还款额：可降低金额或延长期限",
    ),
    "coverage_refer": (
        "Automatic approval needs cautious collections to cover {coverage_floor:.0%} of the repayment",
        "自动审批需要保守预测回款覆盖{coverage_floor:.0%}的还款额",
    ),
    "exposure_cap": ("The merchant's total borrowing is at the cap", "该商户借款总额已达上限"),
    "limit_too_small": ("Collections support less than the smallest loan", "预测回款支持的额度低于最低贷款额"),
    "exposure_refer": ("Total borrowing close to the cap needs review", "借款总额接近上限，需复核"),
    "missing_evidence": ("Sales evidence is missing", "缺少经营流水数据"),
    "rate_ceiling": (
        "The rate this estimated risk calls for is above the {ceiling:.0%} a year the bank may charge",
        "该风险所需利率超过{ceiling:.0%}的年利率上限",
    ),
}


@dataclass(frozen=True)
class Reason:
    """One factor that raised the merchant's risk (or, given with an approval, lowered it), with its contribution in log-odds."""

    code: str
    feature: str
    text_en: str
    text_zh: str
    contribution: float
    value: float | None = None
    to_improve: str | None = None


def describe(feature: str, value: float | None = None, median: float | None = None, favour: bool = False) -> tuple[str, str, str]:
    """Code, English and Chinese text for a feature's reason, worded for the side of the median it is on.

    `favour`: the feature lowered the risk (a reason given with an approval), not raised it.
    """
    code, name_en, name_zh, side, en, zh = CATALOGUE.get(feature, (f"R99_{feature}", feature, feature, "", "", ""))
    if favour:
        en, zh = FAVOUR.get(feature, ("", ""))
        side = {HIGH: LOW, LOW: HIGH}.get(side, "") if en else ""
    # The catalogue's words name a side ("depends heavily on the harvest"): used when the value
    # is on that side of the portfolio median, or when there is nothing to compare with. A value
    # at the median gets the plain wording with its figure.
    if side and (value is None or median is None or (value != median and (value > median) == (side == HIGH))):
        return code, en, zh
    moved_en, moved_zh = ("lowered", "降低") if favour else ("raised", "提高")
    if value is None:
        return code, f"The {name_en} {moved_en} the estimated risk", f"{name_zh}{moved_zh}了预估风险"
    v = fmt(value)
    return code, f"The {name_en} of {v} {moved_en} the estimated risk", f"{name_zh}为{v}，{moved_zh}了预估风险"


def applies(feature: str, values: Mapping[str, float]) -> bool:
    """Whether a reason about `feature` says something about this merchant.

    Not when its value is unknown (nothing to tell or to change), nor a harvest feature for a
    merchant whose sales show no harvest at all.
    """
    value = values.get(feature)
    if value is None or not math.isfinite(value):
        return False
    if feature in HARVEST:
        return any(values.get(f) for f in HARVEST)
    return True


def risk_direction(feature: str, monotone: int = 0) -> int:
    """+1 when risk rises with the feature, −1 when it falls, 0 unknown: the model's constraint, else the catalogue's side."""
    if monotone:
        return monotone
    side = CATALOGUE.get(feature, ("", "", "", ""))[3]
    return {HIGH: 1, LOW: -1}.get(side, 0)


def fmt(value: float) -> str:
    """A figure as people read it: thousands separated, few decimals."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) >= 1 else f"{value:.3g}"


def top_reasons(
    deltas: Mapping[str, float],
    values: Mapping[str, float],
    used: Sequence[str],
    n: int = 4,
    min_delta: float = 0.02,
    medians: Mapping[str, float] | None = None,
    favour: bool = False,
) -> list[Reason]:
    """The n features that raised risk most against the portfolio baseline, or lowered it most with `favour`.

    Only features the model uses and that apply to the merchant (see `applies`).
    """
    sign = -1.0 if favour else 1.0
    ranked = sorted(
        ((sign * d, f) for f, d in deltas.items() if f in used and sign * d > min_delta and applies(f, values)), reverse=True
    )
    out = []
    for _, f in ranked[:n]:
        code, en, zh = describe(f, values.get(f), (medians or {}).get(f), favour)
        out.append(Reason(code, f, en, zh, round(float(deltas[f]), 6), values.get(f)))
    return out


def remedy_value(
    current: float,
    direction: int,
    bound: float,
    pd_at: Callable[[float], float],
    target_pd: float,
    steps: int = 48,
    above: bool = False,
) -> float | None:
    """Smallest change of one feature (towards bound, along direction) that brings PD to target_pd.

    With `above`, the smallest change that takes PD past target_pd instead (how far a factor in
    the merchant's favour may slip before the grade is lost). The PD may only move one way
    along the direction (the booster is monotone in every feature that has one, and its
    calibrator rises with the score), so the first step of the grid that reaches the target is
    found by bisection: at most seven evaluations instead of 48.
    """
    if direction == 0 or (bound - current) * direction <= 0:
        return None

    def value(k: int) -> float:
        return current + (bound - current) * (k + 1) / steps

    def reached(k: int) -> bool:
        p = pd_at(value(k))
        return p > target_pd if above else p <= target_pd

    if not reached(steps - 1):
        return None
    lo, hi = 0, steps - 1  # the answer is in [lo, hi]; step hi reaches the target
    while lo < hi:
        mid = (lo + hi) // 2
        if reached(mid):
            hi = mid
        else:
            lo = mid + 1
    return value(hi)


def improve_text(feature: str, value: float | None, grade: str) -> str:
    """Plain text for "what would have to change" to reach `grade` (English / Chinese)."""
    _, name_en, name_zh, *_ = CATALOGUE.get(feature, ("", feature, feature))
    if value is None:
        return f"a better {name_en} alone would not reach grade {grade} / 仅改善{name_zh}不足以升至{grade}级"
    return f"{name_en} of {fmt(value)} would reach grade {grade} / {name_zh}达到{fmt(value)}可升至{grade}级"


def slip_text(feature: str, value: float | None, grade: str) -> str:
    """Plain text for how far a factor in the merchant's favour may change before the grade drops to `grade` (English / Chinese)."""
    _, name_en, name_zh, *_ = CATALOGUE.get(feature, ("", feature, feature))
    if value is None:
        return f"no change of the {name_en} alone would lower the grade to {grade} / 仅{name_zh}变化不会降至{grade}级"
    return f"{name_en} of {fmt(value)} would lower the grade to {grade} / {name_zh}变为{fmt(value)}将降至{grade}级"


def grade_bound_text(grade: str, favour: bool) -> str:
    """What to say when the grade cannot move: the best grade refused by a policy rule, the worst approved (English / Chinese)."""
    if favour:
        return f"grade {grade} is the lowest: no change of this alone lowers it / {grade}级已为最低等级"
    return f"grade {grade} is already the best: the policy's condition above is what would have to change / {grade}级已为最高等级，需满足上述政策条件"


def policy_text(rule: str, params: Mapping[str, object]) -> tuple[str, str] | None:
    """English and Chinese explanation of the policy rule that fired, with the configured figures."""
    if rule not in POLICY_TEXT:
        return None
    en, zh = POLICY_TEXT[rule]
    return en.format(**params), zh.format(**params)
