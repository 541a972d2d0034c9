"""Text lessons: Markdown rendered by markdown-it-py, sanitised by nh3."""
from app.catalog.markdown import render_markdown


def test_keeps_headings_lists_emphasis_tables_and_links():
    html = render_markdown("# 防治要点\n\n## 识别\n\n- 叶片\n- **茎秆**\n\n1. 一\n\n|药剂|用量|\n|-|-|\n|甲|1|\n\n"
                           "[农业部](https://www.moa.gov.cn)")
    for fragment in ("<h1>防治要点</h1>", "<h2>识别</h2>", "<ul>", "<li>叶片</li>", "<strong>茎秆</strong>", "<ol>",
                     "<table>", "<td>甲</td>", 'href="https://www.moa.gov.cn"', 'rel="noopener"'):
        assert fragment in html


def test_removes_scripts_event_handlers_and_javascript_links():
    html = render_markdown('<script>alert("x")</script>\n\n<p onclick="x()">段落</p>\n\n'
                           '<img src="/media/1/poster" onerror="alert(1)">\n\n'
                           '[点我](javascript:alert(1)) <a href="javascript:alert(2)">再点</a>'
                           '<iframe src="https://evil.example"></iframe><style>body{}</style>')
    lowered = html.lower()
    for forbidden in ("<script", "alert(\"x\")", "onclick", "onerror", "href=\"javascript:", "<iframe", "<style"):
        assert forbidden not in lowered
    # The Markdown link is left as plain text, the HTML one loses its href: neither can be clicked to run code.
    assert '<a rel="noopener">再点</a>' in html
    assert "段落" in html
    assert '<img src="/media/1/poster">' in html


def test_images_only_from_our_own_origin():
    html = render_markdown("![外](https://evil.example/a.png) ![协议相对](//evil.example/b.png) ![内](/media/3/file)")
    assert "evil.example" not in html
    assert html.count("<img") == 1 and 'src="/media/3/file"' in html


def test_empty_body():
    assert render_markdown("") == ""
