"""freqlens/notices.py: one-line notices as a warning category, shown as `freqlens: note:` lines."""
import warnings

import pytest

from freqlens.notices import FreqlensNotice, notice, one_line_notices


@pytest.fixture
def restore_showwarning():
    before = warnings.showwarning
    yield
    warnings.showwarning = before


def test_notice_is_one_line_of_its_own_category():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        notice("images were uint8;\n   divided by 255")
    (w,) = caught
    assert w.category is FreqlensNotice and issubclass(FreqlensNotice, UserWarning)
    assert str(w.message) == "images were uint8; divided by 255"


def test_one_line_notices_buffers_or_prints_and_leaves_other_warnings_alone(restore_showwarning, capsys):
    lines = []
    one_line_notices(lines)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        notice("x was converted")
    assert lines == ["freqlens: note: x was converted"]
    seen = []
    warnings.showwarning = lambda message, category, *args, **kw: seen.append((str(message), category))
    one_line_notices()
    warnings.showwarning("y was assumed", FreqlensNotice, "f.py", 1)
    warnings.showwarning("an ordinary warning", UserWarning, "f.py", 2)
    assert capsys.readouterr().err == "freqlens: note: y was assumed\n"
    assert seen == [("an ordinary warning", UserWarning)]          # handed to the previous handler
