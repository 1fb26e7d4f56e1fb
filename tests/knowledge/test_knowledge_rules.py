"""The knowledge base's rules below the service: Markdown rendered with nothing of the source's
HTML or script addresses; search terms, FTS5 phrases, snippets and highlights; which files are
accepted and why not; Markdown files read as articles."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from brokerlens.errors import InputError
from brokerlens.knowledge.attachments import AttachmentRejected, check_upload, clean_name
from brokerlens.knowledge.importing import markdown_files, parse_markdown
from brokerlens.knowledge.markdown import render, safe_url
from brokerlens.knowledge.search import fts_phrase, highlight, query_terms, snippet

ALLOWED_TAGS = {
    "h2", "h3", "h4", "h5", "h6", "p", "br", "strong", "em", "del", "code", "pre", "ul", "ol",
    "li", "blockquote", "hr", "a", "img", "div", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def test_markdown_renders_the_common_blocks() -> None:
    html = render(
        "# 标题\n正文**加粗** *强调* `代码` ~~删除~~\n第二行\n\n- 一\n- 二\n\n1. 甲\n2. 乙\n\n"
        "> 引用\n\n| 产品 | 费率 |\n|---|---|\n| 基金 | 0.1% |\n\n```\nx < y\n```\n\n---\n"
    )
    for part in (
        "<h2>标题</h2>",
        "<strong>加粗</strong>",
        "<em>强调</em>",
        "<code>代码</code>",
        "<del>删除</del>",
        "<br>第二行",
        "<ul><li>一</li><li>二</li></ul>",
        "<ol><li>甲</li><li>乙</li></ol>",
        "<blockquote><p>引用</p></blockquote>",
        "<th>产品</th>",
        "<td>0.1%</td>",
        "<pre><code>x &lt; y</code></pre>",
        "<hr>",
    ):
        assert part in html, part


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[点我](javascript:alert(1))",
        "[点我](JaVaScRiPt:alert(1))",
        "[点我](data:text/html;base64,PHNjcmlwdD4=)",
        "[点我](//evil.example.com/x)",
        '[点我](/kb"onmouseover="alert(1))',
        "![图](https://evil.example.com/track.png)",
        "![图](javascript:alert(1))",
        "**<b onclick=x>粗</b>**",
        "| <i>a</i> |\n|---|\n| <svg onload=x> |",
        "> " * 2000 + "深",
    ],
)
def test_no_source_makes_a_tag_or_address_of_its_own(source: str) -> None:
    tags = _Tags()
    tags.feed(render(source))
    assert {t for t, _ in tags.found} <= ALLOWED_TAGS, tags.found
    for _, attrs in tags.found:
        assert {k for k, _ in attrs} <= {"href", "src", "alt", "rel", "loading", "class"}, attrs
        for key, value in attrs:
            if key in ("href", "src"):
                assert value and (value.startswith(("/", "#", "https://", "mailto:"))), value
                assert not value.startswith("//") and "evil" not in value, value


def test_only_safe_addresses_are_links() -> None:
    assert safe_url("/kb/articles/3") == "/kb/articles/3"
    assert safe_url("https://www.sse.com.cn/") == "https://www.sse.com.cn/"
    assert safe_url("mailto:kf@example.com") == "mailto:kf@example.com"
    for bad in ("javascript:alert(1)", "vbscript:x", "//host/x", "/a b", "/x'y", "data:x"):
        assert safe_url(bad) is None, bad
    html = render("[上交所](https://www.sse.com.cn/) [本站](/kb/articles/2)")
    assert 'href="https://www.sse.com.cn/" rel="noopener noreferrer nofollow"' in html
    assert '<a href="/kb/articles/2">本站</a>' in html


def test_search_terms_phrases_and_snippets() -> None:
    assert query_terms("  基金　定投 基金 ETF etf\x00债 ") == ["基金", "定投", "ETF", "债"]
    assert query_terms("a b c d e f g h i j") == list("abcdefgh")
    assert fts_phrase(['基金"定投', "可转债"]) == '"基金""定投" AND "可转债"'
    parts = highlight("ETF 与 etf 基金", ["etf"])
    assert [p.text for p in parts if p.match] == ["ETF", "etf"]
    body = "# 说明\n" + "前文" * 40 + "**基金定投**可以平滑成本。" + "后文" * 80
    shown = snippet(body, ["基金定投"])
    text = "".join(p.text for p in shown)
    assert text.startswith("…") and text.endswith("…") and "**" not in text
    assert [p.text for p in shown if p.match] == ["基金定投"]
    assert "".join(p.text for p in snippet("开头就是正文", ["无"])) == "开头就是正文"


PDF = b"%PDF-1.7\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("run.exe", b"MZ", "不允许的文件类型 .exe"),
        ("page.html", b"<html>", "不允许的文件类型 .html"),
        ("logo.svg", b"<svg/>", "不允许的文件类型 .svg"),
        ("noext", b"x", "（无扩展名）"),
        ("fake.pdf", b"<html>", "文件内容与扩展名 .pdf 不符"),
        ("fake.docx", PDF, "文件内容与扩展名 .docx 不符"),
        ("notes.txt", b"\xff\xfe\x00b", "文件内容与扩展名 .txt 不符"),
        ("big.pdf", PDF + b"0" * (10 * 1024 * 1024), "文件过大：最大 10 MB"),
        ("empty.pdf", b"", "文件是空的"),
        ("", PDF, "请选择要上传的文件"),
    ],
)
def test_refused_files_say_why(name: str, data: bytes, said: str) -> None:
    with pytest.raises(AttachmentRejected) as refused:
        check_upload(name, data)
    assert said in refused.value.zh and refused.value.en and refused.value.field == "file"


def test_accepted_files_keep_a_clean_name() -> None:
    checked = check_upload("C:\\fakepath\\产品\x00说明书.pdf", PDF)
    assert checked.filename == "产品说明书.pdf" and checked.content_type == "application/pdf"
    assert check_upload("图.PNG", PNG).content_type == "image/png"
    assert check_upload("表.csv", "代码,名称\n".encode()).size_bytes == 14
    assert clean_name("../../etc/passwd") == "passwd"
    assert len(clean_name("长" * 300 + ".pdf")) == 200 and clean_name("长" * 300 + ".pdf").endswith(
        ".pdf"
    )


def test_markdown_files_read_as_articles(tmp_path: Path) -> None:
    front = (
        "---\ntitle: 定投指引\ncategory: products\ntags: 基金, 定投\nroles: [broker]\n---\n正文\n"
    )
    found = parse_markdown(front, tmp_path / "a.md")
    assert (found.title, found.category, found.tags, found.roles) == (
        "定投指引", "products", ["基金", "定投"], ["broker"],
    )  # fmt: skip
    heading = parse_markdown("\ufeff# 开户须知\n\n正文", tmp_path / "b.md")
    assert (heading.title, heading.body) == ("开户须知", "正文")
    plain = parse_markdown("正文\n# 不是标题", tmp_path / "客户回访.md")
    assert plain.title == "客户回访" and plain.body.startswith("正文")
    with pytest.raises(InputError, match="unknown front matter key 'owner'"):
        parse_markdown("---\nowner: x\n---\n正文", tmp_path / "c.md")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.md").write_text("x", encoding="utf-8")
    (tmp_path / "d" / "y.txt").write_text("y", encoding="utf-8")
    assert markdown_files([tmp_path / "d"]) == [tmp_path / "d" / "x.md"]
    with pytest.raises(InputError, match="no such file"):
        markdown_files([tmp_path / "missing"])
