"""Argument errors rewritten for people: one line, each bad argument named, no input echoed."""

from __future__ import annotations

from appliance.server.toolcalls import tidy_validation_message

PYDANTIC = (
    "Error executing tool search_code: 2 validation errors for search_codeArguments\n"
    "pattern\n"
    "  String should have at most 4096 characters [type=string_too_long, input_value='xxxxxxxxxxxxxxxxxxxx"
    "...xxxxxxxxxxxxxxxxxxx', input_type=str]\n"
    "    For further information visit https://errors.pydantic.dev/2.14/v/string_too_long\n"
    "limit\n"
    "  Input should be less than or equal to 500 [type=less_than_equal, input_value=501, input_type=int]\n"
    "    For further information visit https://errors.pydantic.dev/2.14/v/less_than_equal"
)


def test_validation_report_becomes_one_line() -> None:
    assert tidy_validation_message(PYDANTIC) == (
        "search_code: invalid arguments: pattern: String should have at most 4096 characters; "
        "limit: Input should be less than or equal to 500"
    )


def test_other_messages_are_left_alone() -> None:
    for text in ("Unknown tool: x", "Error executing tool read_file: a/../b: '..' is refused", ""):
        assert tidy_validation_message(text) == text
