from staffrota.ops.memo import ProcessMemo


def test_a_memo_keeps_what_it_is_given_and_starts_again_when_full():
    memo = ProcessMemo(most=3)
    assert memo.keep("a", 1) == 1 and memo.get("a") == 1
    memo.keep("b", 2)
    memo.keep("c", 3)
    assert len(memo) == 3
    assert memo.keep("d", 4) == 4  # full: emptied first, so never more than `most`
    assert len(memo) == 1 and memo.get("a") is None and memo.get("d") == 4
    assert memo.get("missing", "default") == "default"
