"""The policy file, the plan resolved from it, and the verdict on a plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from masking.detect import scan_workbook
from masking.errors import UsageError
from masking.io.reader import open_workbook
from masking.kinds import Action, Kind
from masking.plan import build_plan
from masking.policy import DEFAULT_POLICY, load_policy
from masking.policy_check import ExportFacts, check_plan

SAMPLES = Path(__file__).resolve().parent.parent / "resources" / "samples"
PROTECTED = {Kind.PHONE, Kind.METER_ID, Kind.ACCOUNT_NO, Kind.ID_NUMBER, Kind.BANK_CARD, Kind.PERSON_NAME,
             Kind.ADDRESS, Kind.EMAIL, Kind.SECRET, Kind.FREE_TEXT}


def _report(name: str = "customers_zh.xlsx"):  # type: ignore[no-untyped-def]
    with open_workbook(SAMPLES / name) as workbook:
        return scan_workbook(workbook)


def test_default_policy_protects_every_kind() -> None:
    policy = load_policy()
    assert policy.version and policy.source == "built-in default"
    for kind in PROTECTED:
        assert policy.default_action(kind) is not Action.KEEP, kind
    assert policy.allowed_actions(Kind.SECRET) == frozenset({Action.DROP})
    assert policy.default_action(None) is Action.KEEP
    defaults = {kind: policy.default_action(kind) for kind in Kind}
    assert defaults[Kind.PHONE] is defaults[Kind.METER_ID] is defaults[Kind.ACCOUNT_NO] is Action.PSEUDONYMIZE
    assert defaults[Kind.ID_NUMBER] is defaults[Kind.BANK_CARD] is defaults[Kind.FREE_TEXT] is Action.MASK
    assert defaults[Kind.ADDRESS] is Action.GENERALIZE and defaults[Kind.SECRET] is Action.DROP


def test_organisation_policy_in_home_wins(tmp_path: Path) -> None:
    text = DEFAULT_POLICY.read_text(encoding="utf-8").replace('version = "2026.11-default"', 'version = "org-7"')
    (tmp_path / "policy.toml").write_text(text, encoding="utf-8")
    assert load_policy(home=tmp_path).version == "org-7"
    assert load_policy(home=tmp_path / "elsewhere").version == "2026.11-default"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('version = "2026.11-default"', ""), "'version' is missing"),
        (lambda t: t.replace('default = "drop"\nallowed = ["drop"]', 'default = "keep"\nallowed = ["drop"]'),
         "not among the allowed"),
        (lambda t: t.replace("[kinds.secret]", "[kinds.secrets]"), "unknown kind"),
        (lambda t: t.replace('pseudonym_scope = "recipient"', 'pseudonym_scope = "world"'), "pseudonym_scope"),
        (lambda t: t + "\n[oops\n", "not readable TOML"),
    ],
)
def test_bad_policies_are_one_line_usage_errors(tmp_path: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.toml"
    bad.write_text(edit(DEFAULT_POLICY.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(UsageError, match=message) as caught:
        load_policy(bad)
    assert "\n" not in str(caught.value)


def test_plan_defaults_choices_and_plan_file(tmp_path: Path) -> None:
    policy = load_policy()
    report = _report()
    plan = build_plan(report, policy)
    by_header = {c.header: c for c in plan.columns()}
    assert by_header["手机号码"].action is Action.PSEUDONYMIZE and by_header["手机号码"].source == "policy"
    assert by_header["本月电量(kWh)"].action is Action.KEEP
    chosen = build_plan(report, policy, choices=("手机号码=mask", "D=encrypt", "明细!E=hash"))
    by_letter = {c.letter: c for c in chosen.columns()}
    assert (by_letter["C"].action, by_letter["D"].action, by_letter["E"].action) == (
        Action.MASK, Action.ENCRYPT, Action.HASH)
    assert by_letter["C"].source == "user"
    plan_file = tmp_path / "plan.toml"
    plan_file.write_text(chosen.to_toml(), encoding="utf-8")
    reloaded = build_plan(report, policy, plan_file=plan_file)
    assert [c.action for c in reloaded.columns()] == [c.action for c in chosen.columns()]


@pytest.mark.parametrize("choice", ["nope=mask", "手机号码=shred", "justtext"])
def test_bad_choices_name_the_problem(choice: str) -> None:
    with pytest.raises(UsageError, match="--action"):
        build_plan(_report(), load_policy(), choices=(choice,))


def test_hidden_sheets_are_left_out_unless_chosen() -> None:
    report = _report("hidden_pii.xlsx")
    plan = build_plan(report, load_policy())
    assert [s.name for s in plan.included] == ["明细"]
    assert len(build_plan(report, load_policy(), include_hidden=True).included) == 3


def test_verdict_names_column_rule_and_alternatives() -> None:
    policy = load_policy()
    plan = build_plan(_report(), policy, choices=("手机号码=keep",))
    verdict = check_plan(plan, policy, ExportFacts(recipient="", purpose="催费"))
    assert not verdict.ok
    assert any("recipient" in v.text for v in verdict.violations)
    [column_rule] = [v.text for v in verdict.violations if "手机号码" in v.text]
    assert "'keep' is not allowed" in column_rule and "pseudonymize" in column_rule and "phone" in column_rule
    ok = check_plan(build_plan(_report(), policy), policy, ExportFacts(recipient="银行", purpose="催费"))
    assert ok.ok and ok.violations == ()


def test_bulk_threshold_needs_approval(tmp_path: Path) -> None:
    text = DEFAULT_POLICY.read_text(encoding="utf-8").replace("# approval_threshold = 5000", "approval_threshold = 100")
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    policy = load_policy(tmp_path / "p.toml")
    plan = build_plan(_report(), policy)
    facts = ExportFacts(recipient="银行", purpose="催费")
    assert any("approval" in v.text for v in check_plan(plan, policy, facts).violations)
    assert check_plan(plan, policy, ExportFacts("银行", "催费", approved_rows=200)).ok
    assert not check_plan(plan, policy, ExportFacts("银行", "催费", approved_rows=150)).ok
