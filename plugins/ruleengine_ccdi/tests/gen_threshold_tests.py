"""Writes rules/thresholds.rules: rule-language tests at every threshold the rulebook encodes.

One below and exactly at each amount threshold of the 2016 interpretation, with no circumstance,
and with each circumstance of Art. 1(2) (embezzlement) and Art. 1(3) (bribery) on its own; for
misappropriation (Arts. 5-6), each amount of each use, plain, with relief funds and not returned;
every tier of Art. 383 as enacted in 1997, with and without each circumstance it names; the
choice between the two texts (CL Art. 12) on both sides of 2015-11-01; every standard of the 2012
interpretation on dereliction of duty (Art. 1), each casualty combination one below and at it;
the day before and the day each version (the Party texts, the 2012 and 2016 interpretations)
takes effect; and the forms of bribe-taking (Interp. Arts. 13 and 15). Run it after changing a
threshold; test_ccdi.py checks the committed file is what this script writes.
"""

from __future__ import annotations

from pathlib import Path

from ruleengine_dsl.formatter import format_text

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


# ---- Art. 383 as enacted in 1997 (cl1997.rules): decided before Amendment IX, as the law then.
OLD_DAY = "2015-10-01"
#: (amount, circumstance, tier, highest penalty, lowest penalty)
OLD_TIERS = [
    (4999, "none", "not_a_crime", "none", "none"),
    (4999, "relatively_serious", "item4", "two_years", "detention"),
    (5000, "none", "item3", "seven_years", "one_year"),
    (49999, "none", "item3", "seven_years", "one_year"),
    (49999, "relatively_serious", "item3", "seven_years", "one_year"),
    (5000, "serious", "item3_serious", "ten_years", "seven_years"),
    (50000, "none", "item2", "fifteen_years", "five_years"),
    (99999, "serious", "item2", "fifteen_years", "five_years"),
    (50000, "especially_serious", "item2_especially", "life", "life"),
    (100000, "none", "item1", "life", "ten_years"),
    (100000, "especially_serious", "item1_especially", "death", "death"),
]
OLD_KIND = {"embezzlement": "land_compensation", "bribery": "kickbacks"}
#: The statutory sentence of each 1997 tier (Art. 383(1), items 1-4), as the tier's rule sets it.
OLD_SENTENCE = {
    "not_a_crime": "none",
    "item4": "old_up_to_two_years",
    "item3": "old_one_to_seven_years",
    "item3_serious": "old_seven_to_ten_years",
    "item2": "old_five_years_or_more",
    "item2_especially": "old_life",
    "item1": "old_ten_years_or_life",
    "item1_especially": "old_death",
}


def _old_test(crime: str, amount: int, circumstance: str, tier: str, top: str, low: str) -> str:
    act = (
        f'{{id: "A1", kind: {OLD_KIND[crime]}, acted_on: 2015-06-01, state_functionary: true, '
        f"amount: {amount} yuan, gravity: minor}}"
    )
    name = f"1997 text: {crime} {amount} yuan, circumstances {circumstance}"
    out = f'test "{name}" {{\n  as of {OLD_DAY}\n'
    out += f"  given decided_on = {OLD_DAY}, acts = [{act}], {crime}_1997_circumstance = "
    out += f"{circumstance}\n"
    out += f"  expect {crime}_band = old_law\n  expect {crime}_band_1997 = {tier}\n"
    out += f"  expect {crime}_max = {top}\n  expect {crime}_min = {low}\n"
    out += f"  expect {crime}_sentence = {OLD_SENTENCE[tier]}\n"
    return out + "}\n"


# ---- CL Art. 12 across 2015-11-01, decided after the 2016 thresholds took effect. Each case:
# (amount, extra facts, band applied, 1997 tier applied, highest penalty applied); the acts are
# dated on each side of the amendment.
TIME_DAY = "2016-06-01"
IN_TIME = [
    # The later text is lighter: its band applies.
    (40000, "", "relatively_large", "none", "three_years"),
    (20000, "", "below_threshold", "none", "none"),
    (
        4000,
        "embezzlement_1997_circumstance = relatively_serious",
        "below_threshold",
        "none",
        "none",
    ),
    (150000, "", "relatively_large", "none", "three_years"),
    (
        3000000,
        "embezzlement_1997_circumstance = especially_serious",
        "especially_huge",
        "none",
        "life",
    ),
    # Not lighter (the same range): the 1997 text applies.
    (3000000, "", "old_law", "item1", "life"),
    # The later text is heavier (death with especially heavy losses): the 1997 text applies.
    (3000000, "especially_heavy_state_loss = true", "old_law", "item1", "life"),
]


def _time_test(amount: int, extra: str, band: str, tier: str, top: str, acted: str) -> str:
    act = (
        f'{{id: "A1", kind: land_compensation, acted_on: {acted}, state_functionary: true, '
        f"amount: {amount} yuan, gravity: serious}}"
    )
    given = [f"decided_on = {TIME_DAY}", f"acts = [{act}]"] + ([extra] if extra else [])
    name = f"in time: embezzlement {amount} yuan acted {acted}" + (f", {extra}" if extra else "")
    out = f'test "{name}" {{\n  as of {TIME_DAY}\n  given ' + ", ".join(given) + "\n"
    if acted >= "2015-11-01":  # one version throughout: the amended text
        if band == "old_law":
            band, tier = "especially_huge", "none"
            top = "death" if "heavy" in extra else "life"
    out += f"  expect embezzlement_band = {band}\n  expect embezzlement_band_1997 = {tier}\n"
    out += f"  expect embezzlement_max = {top}\n"
    return out + "}\n"


# ---- The 2012 interpretation on dereliction of duty, Art. 1 (dd2012.rules).
DD_DAY = "2019-06-01"
#: (name, act fields, tier, basis)
DERELICTION = [
    ("no loss", "", "no_major_loss", ""),
    ("0 deaths", "deaths: 0", "no_major_loss", ""),
    ("1 death", "deaths: 1", "major_loss", "casualties"),
    ("2 serious injuries", "serious_injuries: 2", "no_major_loss", ""),
    ("3 serious injuries", "serious_injuries: 3", "major_loss", "casualties"),
    ("8 light injuries", "light_injuries: 8", "no_major_loss", ""),
    ("9 light injuries", "light_injuries: 9", "major_loss", "casualties"),
    ("2 serious, 2 light", "serious_injuries: 2, light_injuries: 2", "no_major_loss", ""),
    ("2 serious, 3 light", "serious_injuries: 2, light_injuries: 3", "major_loss", "casualties"),
    ("1 serious, 5 light", "serious_injuries: 1, light_injuries: 5", "no_major_loss", ""),
    ("1 serious, 6 light", "serious_injuries: 1, light_injuries: 6", "major_loss", "casualties"),
    ("2 deaths", "deaths: 2", "major_loss", "casualties"),
    ("3 deaths", "deaths: 3", "especially_serious", "casualties, casualties_tripled"),
    ("8 serious", "serious_injuries: 8", "major_loss", "casualties"),
    ("9 serious", "serious_injuries: 9", "especially_serious", "casualties, casualties_tripled"),
    ("26 light", "light_injuries: 26", "major_loss", "casualties"),
    ("27 light", "light_injuries: 27", "especially_serious", "casualties, casualties_tripled"),
    ("6 serious, 8 light", "serious_injuries: 6, light_injuries: 8", "major_loss", "casualties"),
    (
        "6 serious, 9 light",
        "serious_injuries: 6, light_injuries: 9",
        "especially_serious",
        "casualties, casualties_tripled",
    ),
    ("3 serious, 17 light", "serious_injuries: 3, light_injuries: 17", "major_loss", "casualties"),
    (
        "3 serious, 18 light",
        "serious_injuries: 3, light_injuries: 18",
        "especially_serious",
        "casualties, casualties_tripled",
    ),
    ("loss 299999 yuan", "loss_at_filing: 299999 yuan", "no_major_loss", ""),
    ("loss 300000 yuan", "loss_at_filing: 300000 yuan", "major_loss", "economic_loss"),
    (
        "loss 300000 yuan counted as Art. 8 says",
        "loss_at_filing: 100000 yuan, loss_until_prosecution: 150000 yuan, "
        "unrealisable_claims: 50000 yuan, recovered_after_filing: 300000 yuan",
        "major_loss",
        "economic_loss",
    ),
    ("loss 1499999 yuan", "loss_at_filing: 1499999 yuan", "major_loss", "economic_loss"),
    (
        "loss 1500000 yuan",
        "loss_at_filing: 1500000 yuan",
        "especially_serious",
        "economic_loss, economic_loss_especially",
    ),
    ("a bad social impact", "impact: bad", "major_loss", "bad_impact"),
    (
        "an especially bad social impact",
        "impact: especially_bad",
        "especially_serious",
        "bad_impact, especially_bad_impact",
    ),
    (
        "late report without a major loss",
        "late_report: true, loss_at_filing: 299999 yuan",
        "no_major_loss",
        "",
    ),
    (
        "late report with a major loss",
        "late_report: true, loss_at_filing: 300000 yuan",
        "especially_serious",
        "economic_loss, concealed_report",
    ),
]
DD_SENTENCE = {
    ("no_major_loss", False): "none",
    ("major_loss", False): "up_to_three_years",
    ("especially_serious", False): "three_to_seven_years",
    ("no_major_loss", True): "none",
    ("major_loss", True): "up_to_five_years",
    ("especially_serious", True): "five_to_ten_years",
}


def _dereliction_test(name: str, fields: str, tier: str, basis: str, favour: bool) -> str:
    extra = (", " + fields if fields else "") + (", favouritism: true" if favour else "")
    act = (
        f'{{id: "D1", kind: abuse_of_power, acted_on: 2019-03-01, state_functionary: true, '
        f"organ_functionary: true, gravity: minor{extra}}}"
    )
    title = f"dereliction: {name}" + (", favouritism" if favour else "")
    out = f'test "{title}" {{\n  as of {DD_DAY}\n  given decided_on = {DD_DAY}, acts = [{act}]\n'
    out += f"  expect dereliction_band = {tier}\n  expect dereliction_basis = [{basis}]\n"
    out += f"  expect dereliction_sentence = {DD_SENTENCE[(tier, favour)]}\n"
    out += f"  expect referral = {'false' if tier == 'no_major_loss' else 'true'}\n"
    return out + "}\n"


# ---- Bribe-taking (Interp. Arts. 13, 15): which acts are counted.
#: (name, acts, band, heavier grounds)
BRIBES = [
    ("accepted, no benefit found", [("bribe_accepting", 30000, "")], "none", ""),
    (
        "accepted, benefit sought",
        [("bribe_accepting", 30000, "benefit: sought")],
        "relatively_large",
        "",
    ),
    (
        "accepted, a known request",
        [("bribe_accepting", 30000, "benefit: known_request")],
        "relatively_large",
        "",
    ),
    (
        "accepted after the duty",
        [("bribe_accepting", 30000, "benefit: after_duty")],
        "relatively_large",
        "",
    ),
    (
        "from a subordinate, 29999 yuan",
        [("bribe_accepting", 29999, "from_subordinate: true")],
        "none",
        "",
    ),
    (
        "from a subordinate, 30000 yuan",
        [("bribe_accepting", 30000, "from_subordinate: true")],
        "relatively_large",
        "",
    ),
    (
        "from subordinates over time, 30000 yuan",
        [
            ("bribe_accepting", 20000, "from_subordinate: true"),
            ("bribe_accepting", 10000, "from_subordinate: true"),
        ],
        "relatively_large",
        "",
    ),
    ("solicited, 29999 yuan", [("bribe_soliciting", 29999, "")], "below_threshold", ""),
    ("solicited, 30000 yuan", [("bribe_soliciting", 30000, "")], "relatively_large", "soliciting"),
    (
        "before the request 9999 yuan, after 25000 yuan",
        [
            ("bribe_accepting", 9999, 'benefit: sought, giver: "G", before_request: true'),
            ("bribe_accepting", 25000, 'benefit: sought, giver: "G"'),
        ],
        "below_threshold",
        "",
    ),
    (
        "before the request 10000 yuan, after 20000 yuan",
        [
            ("bribe_accepting", 10000, 'benefit: sought, giver: "G", before_request: true'),
            ("bribe_accepting", 20000, 'benefit: sought, giver: "G"'),
        ],
        "relatively_large",
        "",
    ),
    (
        "added up over time, one act already dealt with",
        [
            ("kickbacks", 20000, ""),
            ("kickbacks", 10000, ""),
            ("kickbacks", 10000, "dealt_with: true"),
        ],
        "relatively_large",
        "",
    ),
    (
        "29999 yuan over time, one act already dealt with (no sanction before)",
        [
            ("kickbacks", 19999, ""),
            ("kickbacks", 10000, "dealt_with: true, sanctioned: none_before"),
        ],
        "below_threshold",
        "",
    ),
    (
        # Interp. Art. 1(3) takes in Art. 1(2)(2): whether the act dealt with brought a sanction.
        "29999 yuan over time, one act already dealt with (whether sanctioned not given)",
        [("kickbacks", 19999, ""), ("kickbacks", 10000, "dealt_with: true")],
        "prior_sanction_not_given",
        "",
    ),
]


def _bribe_test(name: str, acts: list, band: str, grounds: str) -> str:
    items = []
    for i, (kind, amount, extra) in enumerate(acts, start=1):
        fields = f", {extra}" if extra else ""
        items.append(
            f'{{id: "B{i}", kind: {kind}, acted_on: 2019-03-01, state_functionary: true, '
            f"amount: {amount} yuan, gravity: minor{fields}}}"
        )
    out = f'test "bribery: {name}" {{\n  as of {DD_DAY}\n'
    out += f"  given decided_on = {DD_DAY}, acts = [{', '.join(items)}]\n"
    out += f"  expect bribery_band = {band}\n  expect heavier_grounds = [{grounds}]\n"
    return out + "}\n"


# ---- The day before and the day each version takes effect. (name, decided, act, expectations)
_RENOVATION = (
    "kind: renovation_allowance, state_functionary: true, amount: 4000 yuan, "
    "gravity: relatively_serious, poverty_relief: true, for_self: false"
)
_LAND = "kind: land_compensation, state_functionary: true, amount: 50000 yuan, gravity: minor"
_LOSS = (
    "kind: abuse_of_power, state_functionary: true, organ_functionary: true, gravity: minor, "
    "loss_at_filing: 300000 yuan"
)
BOUNDARIES = [
    # The Disciplinary Regulations: 2015 text from 2016-01-01 (Art. 133), 2018 from 2018-10-01,
    # 2023 from 2024-01-01; the act-date version unless the later is lighter.
    (
        "Party: acted 2015-12-31, decided 2016-01-01: the earlier text is not encoded",
        "2016-01-01",
        ("2015-12-31", _RENOVATION),
        ["version_why = earlier_not_encoded", "circumstances = [earlier_text_not_encoded]"],
    ),
    (
        "Party: acted and decided 2016-01-01: the 2015 text",
        "2016-01-01",
        ("2016-01-01", _RENOVATION),
        ["version_applied = v2015", "version_why = in_force_throughout"],
    ),
    (
        "Party: acted and decided 2018-09-30: the 2015 text",
        "2018-09-30",
        ("2018-09-30", _RENOVATION),
        [
            "version_applied = v2015",
            "version_why = in_force_throughout",
            "sanction = removal_from_post .. probation",
        ],
    ),
    (
        "Party: acted 2018-09-30, decided 2018-10-01: the 2015 text, 2018 being heavier",
        "2018-10-01",
        ("2018-09-30", _RENOVATION),
        [
            "version_applied = v2015",
            "version_why = act_time_version",
            "sanction = removal_from_post .. probation",
        ],
    ),
    (
        "Party: acted and decided 2018-10-01: the 2018 text, heavier in the poverty field",
        "2018-10-01",
        ("2018-10-01", _RENOVATION),
        [
            "version_applied = v2018",
            "version_why = in_force_throughout",
            "sanction = probation .. expulsion",
        ],
    ),
    (
        "Party: acted and decided 2023-12-31: the 2018 text",
        "2023-12-31",
        ("2023-12-31", _RENOVATION),
        ["version_applied = v2018", "sanction = probation .. expulsion"],
    ),
    (
        "Party: acted 2023-12-31, decided 2024-01-01: the 2023 text, being lighter",
        "2024-01-01",
        ("2023-12-31", _RENOVATION),
        [
            "version_applied = v2023",
            "version_why = later_is_lighter",
            "sanction = removal_from_post .. probation",
        ],
    ),
    (
        "Party: acted and decided 2024-01-01: the 2023 text",
        "2024-01-01",
        ("2024-01-01", _RENOVATION),
        ["version_applied = v2023", "version_why = in_force_throughout"],
    ),
    # The 2016 interpretation: its thresholds decide cases from 2016-04-18 (Art. 20).
    (
        "Interp. 2016: decided 2016-04-17, acts under the amended Art. 383: not decided",
        "2016-04-17",
        ("2016-01-15", _LAND),
        ["embezzlement_band = not_decided", "characterised_as = []"],
    ),
    (
        "Interp. 2016: decided 2016-04-18: 50000 yuan is relatively large",
        "2016-04-18",
        ("2016-01-15", _LAND),
        ["embezzlement_band = relatively_large", "characterised_as = [embezzlement]"],
    ),
    # The 2012 interpretation: its standards decide cases from 2013-01-09.
    (
        "Interp. 2012: decided 2013-01-08: the standard is not encoded",
        "2013-01-08",
        ("2012-10-01", _LOSS),
        ["dereliction_band = not_decided", "characterised_as = []"],
    ),
    (
        "Interp. 2012: decided 2013-01-09: 300000 yuan lost is a major loss",
        "2013-01-09",
        ("2012-10-01", _LOSS),
        ["dereliction_band = major_loss", "dereliction_sentence = up_to_three_years"],
    ),
]


def _boundary_test(name: str, decided: str, act: tuple[str, str], expects: list[str]) -> str:
    acted, fields = act
    out = f'test "in time: {name}" {{\n  as of {decided}\n'
    out += f'  given decided_on = {decided}, acts = [{{id: "T1", acted_on: {acted}, {fields}}}]\n'
    out += "".join(f"  expect {e}\n" for e in expects)
    return out + "}\n"


# ---- A case judged before its acts (criminal_law.rules, cl12_*_judged_before_the_acts): the
# crime is not decided, whichever rule of its tiers the amount meets (each one set aside).
#: Under the 2016 interpretation: the amounts, plain and with every circumstance at once.
JUDGED_BEFORE = (
    [(1000, False, False), (1000, True, False)]
    + [(t, False, False) for t, _, _ in PLAIN]
    + [(t, True, False) for t, _, _, _ in AGGRAVATED]
    + [(3000000, False, True)]
)


def _judged_before_test(crime: str, amount: int, every: bool, loss: bool) -> str:
    """As of DAY, the decision date, with the act dated the day after (the same period)."""
    kind, inputs = CRIMES[crime]
    extra = ", earmarked_funds: true" if every and crime == "embezzlement" else ""
    act = (
        f'{{id: "A1", kind: {kind}, acted_on: 2019-06-02, state_functionary: true, '
        f"amount: {amount} yuan, gravity: minor{extra}}}"
    )
    given = [f"decided_on = {DAY}", f"acts = [{act}]"]
    if every:
        given += [f"{name} = true" for name in inputs.values() if name]
    if loss:
        given.append("especially_heavy_state_loss = true")
    name = f"judged before the acts: {crime} {amount} yuan" + (
        ", every circumstance" if every else ", especially heavy loss" if loss else ""
    )
    out = f'test "{name}" {{\n  as of {DAY}\n  given ' + ", ".join(given) + "\n"
    out += f"  expect {crime}_band = judged_before_acts\n"
    out += f"  expect {crime}_sentence = judged_before_acts\n"
    out += f"  expect fired cl12_{crime}_judged_before_the_acts\n"
    return out + "}\n"


def _old_judged_before_test(crime: str, amount: int, circumstance: str) -> str:
    """As of OLD_DAY (the 1997 text) with the act dated after 2015-11-01 (the next text)."""
    act = (
        f'{{id: "A1", kind: {OLD_KIND[crime]}, acted_on: 2015-12-01, state_functionary: true, '
        f"amount: {amount} yuan, gravity: minor}}"
    )
    name = f"judged before the acts, 1997 text: {crime} {amount} yuan, circumstances {circumstance}"
    out = f'test "{name}" {{\n  as of {OLD_DAY}\n'
    out += f"  given decided_on = {OLD_DAY}, acts = [{act}], {crime}_1997_circumstance = "
    out += f"{circumstance}\n"
    out += f"  expect {crime}_band = judged_before_acts\n"
    out += f"  expect {crime}_band_1997 = judged_before_acts\n"
    out += f"  expect fired cl12_{crime}_judged_before_the_acts_1997\n"
    return out + "}\n"


def render() -> str:
    parts = [
        "# GENERATED by plugins/ruleengine_ccdi/tests/gen_threshold_tests.py: do not edit.\n"
        "# Every threshold of 法释〔2016〕9号 Arts. 1-3, one below and exactly at it, with no\n"
        "# circumstance and with each circumstance of Art. 1(2) / Art. 1(3) on its own; and every\n"
        "# threshold of Arts. 5-6 (misappropriation) for each use; and a case judged before its\n"
        "# acts (CL Art. 12) at each tier, under the 2016 thresholds and under the 1997 text.\n"
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
    parts.append("# Art. 383 as enacted in 1997: every tier, with and without its circumstance.\n")
    for crime in OLD_KIND:
        for amount, circumstance, tier, top, low in OLD_TIERS:
            parts.append(_old_test(crime, amount, circumstance, tier, top, low))
    parts.append(
        "# CL Art. 12: the same case acted on the last day of the 1997 text and on the first day\n"
        "# of the amended one, decided under the 2016 thresholds.\n"
    )
    for amount, extra, band, tier, top in IN_TIME:
        for acted in ("2015-10-31", "2015-11-01"):
            parts.append(_time_test(amount, extra, band, tier, top, acted))
    parts.append(
        "# A case judged before its acts (CL Art. 12): not decided, at each tier's amount.\n"
    )
    for crime in CRIMES:
        for amount, every, loss in JUDGED_BEFORE:
            parts.append(_judged_before_test(crime, amount, every, loss))
        seen = set()
        for amount, circumstance, tier, _, _ in OLD_TIERS:
            if tier not in seen:
                seen.add(tier)
                parts.append(_old_judged_before_test(crime, amount, circumstance))
    parts.append("# The 2012 interpretation, Art. 1: one below and at each standard.\n")
    for name, fields, tier, basis in DERELICTION:
        parts.append(_dereliction_test(name, fields, tier, basis, False))
    for name, fields, tier, basis in DERELICTION[:3] + DERELICTION[24:26]:
        parts.append(_dereliction_test(name, fields, tier, basis, True))
    parts.append("# The day before and the day each version of the texts takes effect.\n")
    for name, decided, act, expects in BOUNDARIES:
        parts.append(_boundary_test(name, decided, act, expects))
    parts.append("# Bribe-taking: the forms of seeking a benefit, and adding up over time.\n")
    for name, acts, band, grounds in BRIBES:
        parts.append(_bribe_test(name, acts, band, grounds))
    return format_text("\n".join(parts))


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
