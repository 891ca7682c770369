"""Writes rules/thresholds.rules: rule-language tests at every threshold of the 2016 interpretation.

One below and exactly at each amount threshold, with no circumstance, and with each circumstance
of Art. 1(2) (embezzlement) and Art. 1(3) (bribery) on its own; for misappropriation (Arts. 5-6),
each amount of each use, plain, with relief funds and not returned. Run it after changing the
thresholds; test_ccdi.py checks the committed file is what this script writes.
"""

from __future__ import annotations

from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "rules" / "thresholds.rules"
DAY = "2019-06-01"  # the 2018 regulations and the 2016 interpretation are in force

#: (threshold, band below, band at), amount alone (Arts. 1(1), 2(1), 3(1)).
PLAIN = [
    (30000, "below_threshold", "relatively_large"),
    (200000, "relatively_large", "huge"),
    (3000000, "huge", "especially_huge"),
]
#: (threshold, band just below even with a circumstance, band at it with one, at it without).
AGGRAVATED = [
    (10000, "below_threshold", "relatively_large", "below_threshold"),
    (100000, "relatively_large", "huge", "relatively_large"),
    (1500000, "huge", "especially_huge", "huge"),
]
EMBEZZLEMENT = {
    "earmarked_funds": None,  # a property of the act: earmarked_funds: true
    "prior_sanction": "prior_sanction_for_graft",
    "prior_prosecution": "prior_criminal_prosecution",
    "illegal_use": "proceeds_for_illegal_activities",
    "unrecoverable": "proceeds_unrecoverable",
    "impact": "bad_impact",
}
BRIBERY = {
    "prior_sanction": "prior_sanction_for_graft",
    "prior_prosecution": "prior_criminal_prosecution",
    "illegal_use": "proceeds_for_illegal_activities",
    "unrecoverable": "proceeds_unrecoverable",
    "impact": "bad_impact",
    "repeated_solicitation": "solicited_repeatedly",
    "losses_caused": "improper_benefit_losses",
    "promotion_sought": "sought_promotion_for_others",
}
CRIMES = {
    "embezzlement": ("land_compensation", EMBEZZLEMENT),
    "bribery": ("kickbacks", BRIBERY),
}


#: Misappropriation (Interp. Arts. 5-6, CL Art. 384): per use, the act fields that make the use,
#: and (threshold, extra act fields, band below, band at) with every threshold of the article.
MISAPPROPRIATION_USES = {
    "illegal activities": ("use: illegal_activities", 5),
    "profit": ("use: profit_making", 6),
    "other use kept over three months": ("use: other_use, kept_over_three_months: true", 6),
}
MISAPPROPRIATION = {
    5: [
        (30000, "", "below_threshold", "basic"),
        (1000000, "", "basic", "serious"),
        (3000000, "", "serious", "serious"),  # huge but returned: not the top range
        (500000, "relief_funds: true", "basic", "serious"),
        (500000, "not_returned: true", "basic", "serious"),
        (3000000, "not_returned: true", "serious", "huge_not_returned"),
    ],
    6: [
        (50000, "", "below_threshold", "basic"),
        (2000000, "", "basic", "serious"),
        (5000000, "", "serious", "serious"),
        (1000000, "relief_funds: true", "basic", "serious"),
        (1000000, "not_returned: true", "basic", "serious"),
        (5000000, "not_returned: true", "serious", "huge_not_returned"),
    ],
}
SENTENCE = {
    "below_threshold": "none",
    "basic": "up_to_five_years",
    "serious": "five_years_or_more",
    "huge_not_returned": "ten_years_or_life",
}


def _misappropriation_test(use: str, amount: int, extra: str, band: str) -> str:
    fields, _ = MISAPPROPRIATION_USES[use]
    if extra:
        fields += ", " + extra
    act = (
        f'{{id: "M1", kind: misappropriation, acted_on: {DAY}, state_functionary: true, '
        f"amount: {amount} yuan, gravity: minor, {fields}}}"
    )
    name = f"misappropriation for {use} {amount} yuan" + (f", {extra}" if extra else "")
    out = f'test "{name}" {{\n  as of {DAY}\n  given decided_on = {DAY}, acts = [{act}]\n'
    out += f"  expect misappropriation_band = {band}\n"
    out += f"  expect misappropriation_sentence = {SENTENCE[band]}\n"
    out += f"  expect referral = {'false' if band == 'below_threshold' else 'true'}\n"
    relief = "relief_funds" in extra and band != "below_threshold"
    out += f"  expect misappropriation_circumstances = [{'relief_funds' if relief else ''}]\n"
    return out + "}\n"


def _case(crime: str, amount: int, aggravator: str | None) -> str:
    kind, inputs = CRIMES[crime]
    extra = ""
    if aggravator == "earmarked_funds":
        extra = ", earmarked_funds: true"
    act = (
        f'{{id: "A1", kind: {kind}, acted_on: {DAY}, state_functionary: true, '
        f"amount: {amount} yuan, gravity: minor{extra}}}"
    )
    given = [f"decided_on = {DAY}", f"acts = [{act}]"]
    if aggravator and inputs[aggravator]:
        given.append(f"{inputs[aggravator]} = true")
    return "  given " + ", ".join(given) + "\n"


def _test(name: str, crime: str, amount: int, aggravator: str | None, band: str) -> str:
    out = f'test "{name}" {{\n  as of {DAY}\n' + _case(crime, amount, aggravator)
    out += f"  expect {crime}_band = {band}\n"
    out += f"  expect referral = {'false' if band == 'below_threshold' else 'true'}\n"
    if aggravator:
        out += f"  expect {crime}_aggravators = [{aggravator}]\n"
    return out + "}\n"


def render() -> str:
    parts = [
        "# GENERATED by plugins/ruleengine_ccdi/tests/gen_threshold_tests.py: do not edit.\n"
        "# Every threshold of 法释〔2016〕9号 Arts. 1-3, one below and exactly at it, with no\n"
        "# circumstance and with each circumstance of Art. 1(2) / Art. 1(3) on its own; and every\n"
        "# threshold of Arts. 5-6 (misappropriation) for each use.\n"
    ]
    for crime, (_, inputs) in CRIMES.items():
        for t, below, at in PLAIN:
            parts.append(_test(f"{crime} {t - 1} yuan, no circumstance", crime, t - 1, None, below))
            parts.append(_test(f"{crime} {t} yuan, no circumstance", crime, t, None, at))
        for t, below, at, plain in AGGRAVATED:
            parts.append(_test(f"{crime} {t} yuan, no circumstance", crime, t, None, plain))
            for agg in inputs:
                parts.append(_test(f"{crime} {t - 1} yuan with {agg}", crime, t - 1, agg, below))
                parts.append(_test(f"{crime} {t} yuan with {agg}", crime, t, agg, at))
    parts.append(
        "# Misappropriation of public funds (Arts. 5-6): one below and exactly at each amount.\n"
    )
    for use, (_, article) in MISAPPROPRIATION_USES.items():
        for t, extra, below, at in MISAPPROPRIATION[article]:
            parts.append(_misappropriation_test(use, t - 1, extra, below))
            parts.append(_misappropriation_test(use, t, extra, at))
    return "\n".join(parts)


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
