"""Settings are read from the environment through typed helpers, and all are documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from cartable.lib import env

ROOT = Path(__file__).resolve().parent.parent


def test_it_documents_every_setting_in_docs_settings_md() -> None:
    import cartable.settings  # noqa: F401  (declares the settings)

    assert (ROOT / "docs/settings.md").read_text(encoding="utf-8") == env.render_markdown(), (
        "run `make docs` to regenerate docs/settings.md"
    )


@pytest.fixture(autouse=True)
def _private_declarations(request, monkeypatch) -> None:
    # The helpers' own tests must not add their made-up variables to the real list.
    if request.function.__name__ != "test_it_documents_every_setting_in_docs_settings_md":
        monkeypatch.setattr(env, "DECLARED", {})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("yes", True), ("ON", True), ("0", False), ("off", False), ("", False)],
)
def test_it_reads_booleans(raw: str, expected: bool) -> None:
    assert env.boolean("X_TEST_BOOL", True, "test", environ={"X_TEST_BOOL": raw}) is expected


def test_it_uses_the_default_when_unset() -> None:
    assert env.integer("X_TEST_INT", 7, "test", environ={}) == 7
    assert env.boolean("X_TEST_BOOL", True, "test", environ={}) is True


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: env.boolean("X_B", False, "t", environ={"X_B": "maybe"}), "X_B must be one of"),
        (lambda: env.integer("X_I", 1, "t", environ={"X_I": "ten"}), "X_I must be a whole number"),
        (
            lambda: env.integer("X_I", 1, "t", minimum=1, environ={"X_I": "0"}),
            "X_I must be at least 1",
        ),
        (
            lambda: env.choice("X_C", "a", ("a", "b"), "t", environ={"X_C": "c"}),
            "X_C must be one of a, b",
        ),
    ],
)
def test_it_refuses_bad_values_naming_the_variable(call, message: str) -> None:
    with pytest.raises(env.SettingError, match=message):
        call()


def test_it_makes_one_secret_key_and_keeps_it(tmp_path: Path) -> None:
    from cartable.lib.home import prepare, secret_key

    home = prepare(tmp_path / "home")
    first = secret_key(home)
    assert len(first) > 50
    assert secret_key(home) == first
    assert (home / "secret_key").stat().st_mode & 0o777 == 0o600


def test_it_documents_every_command_in_docs_cli_md() -> None:
    from cartable.docs import cli_page

    assert (ROOT / "docs/cli.md").read_text(encoding="utf-8") == cli_page(), (
        "run `make docs` to regenerate docs/cli.md"
    )
