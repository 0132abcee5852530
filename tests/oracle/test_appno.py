"""Application-number normalisation and check digits (contract §1)."""

from __future__ import annotations

from tests.support.oracle.appno import (
    check_digit,
    normalise_application_no,
    split_application_nos,
)


def test_real_numbers_from_the_export_sample_validate_in_every_spelling():
    for spelling in ("CN202223220665.2", "202223220665.2", "2022232206652", " cn2022232206652 "):
        assert normalise_application_no(spelling) == "202223220665.2"
    assert normalise_application_no("CN202121635235.X") == "202121635235.X"
    assert normalise_application_no("202121635235x") == "202121635235.X"


def test_check_digit_weights_cycle_and_ten_is_x():
    # By hand: 2·2 + 0·3 + 2·4 + 1·5 + 2·6 + 1·7 + 6·8 + 3·9 + 5·2 + 2·3 + 3·4 + 5·5 = 164,
    # and 164 mod 11 = 10, written X (the real sample's CN202121635235.X).
    body = "202121635235"
    assert check_digit(body) == "X"


def test_pre_2003_nine_digit_form():
    body = "98100002"
    expected = check_digit(body)
    assert normalise_application_no(f"CN{body}.{expected}") == f"{body}.{expected}"
    assert normalise_application_no(f"{body}{expected}") == f"{body}.{expected}"
    wrong = "0" if expected != "0" else "1"
    assert normalise_application_no(f"{body}.{wrong}") is None


def test_malformed_or_failing_numbers_are_rejected():
    assert normalise_application_no("202223220665.3") is None
    assert normalise_application_no("20222322066.2") is None
    assert normalise_application_no("") is None
    assert normalise_application_no(None) is None


def test_lists_reject_any_bad_member_and_drop_duplicates():
    assert split_application_nos("CN2022232206652; 202223220665.2;") == ["202223220665.2"]
    assert split_application_nos("202223220665.2;202223220665.3") is None
    assert split_application_nos("") == []
