import datetime as dt

from brokerlens.market.rules import BOARDS, DEFAULT_FEES, SHENWAN_L1, price_limit


def test_31_shenwan_industries() -> None:
    assert len(SHENWAN_L1) == 31 == len(set(SHENWAN_L1))


def test_board_limits_and_st() -> None:
    assert price_limit("main", False, dt.date(2025, 1, 2)) == 0.10
    assert price_limit("main", True, dt.date(2025, 1, 2)) == 0.05
    assert price_limit("main", True, dt.date(2026, 7, 6)) == 0.10
    assert price_limit("chinext", True, dt.date(2025, 1, 2)) == 0.20
    assert price_limit("star", False, dt.date(2025, 1, 2)) == 0.20
    assert price_limit("bse", False, dt.date(2025, 1, 2)) == 0.30


def test_code_prefixes_do_not_overlap() -> None:
    prefixes = [p for b in BOARDS.values() for p in b.prefixes]
    assert len(prefixes) == len(set(prefixes))
    assert BOARDS["star"].min_lot == 200 and BOARDS["star"].lot_step == 1


def test_stamp_duty_halved_on_2023_08_28() -> None:
    assert DEFAULT_FEES.stamp_duty_rate(dt.date(2023, 8, 25)) == 0.001
    assert DEFAULT_FEES.stamp_duty_rate(dt.date(2023, 8, 28)) == 0.0005
