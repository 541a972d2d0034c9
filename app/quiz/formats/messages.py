"""Chinese messages of the format parsers and exporters, by English key.

The one exception to the msgid rule: these modules are pure functions that must run without a
Flask app, so the Chinese text lives here instead of in the catalog. Use message(key, **values).
"""
from __future__ import annotations

MESSAGES = {
    # whole-file failures
    "empty_file": "文件为空",
    "too_large": "文件过大（{size}），上限为 {limit}",
    "too_many_questions": "试题过多（{count} 道），一次最多导入 {limit} 道，请拆分文件",
    "unknown_format": "无法识别的文件格式，请使用 Excel（.xlsx 或 .xls）、CSV、GIFT 或 Moodle XML",
    "unsupported_format": "不支持的格式：{name}",
    "binary_junk": "文件不是文本文件（含二进制数据），无法读取",
    "not_text": "文件编码无法识别，请保存为 UTF-8 或 GB18030",
    "zip_not_xlsx": "压缩文件不是 Excel（.xlsx）工作簿",
    "bad_xlsx": "Excel 文件已损坏或不是 .xlsx 格式：{detail}",
    "bad_zip": "Excel 文件已损坏或不是 .xlsx 格式：不是有效的 zip 文件",
    "bad_xls": "无法读取这个旧版 Excel（.xls）文件：它可能已损坏、设置了密码，或不是 Excel 表格。请用 Excel 或 WPS 打开后另存为 .xlsx 再上传",
    "xlsx_too_large": "Excel 文件解压后过大，可能是恶意文件",
    "dtd_forbidden": "XML 文件含有 DOCTYPE 或实体声明，出于安全原因拒绝导入",
    "bad_xml": "XML 格式错误：{detail}",
    "not_moodle_xml": "XML 根元素不是 <quiz>，不是 Moodle XML 题库",
    "bad_csv": "CSV 文件格式错误：{detail}",
    "too_many_rows": "行数过多（超过 {limit} 行），请拆分文件",
    "no_header": "找不到表头：需要包含“题型”“题目”“答案”列",
    "missing_column": "表头缺少“{column}”列",
    "too_many_images": "图片过多，最多 {limit} 张",
    # per question / row
    "missing_answer": "缺少答案",
    "missing_text": "缺少题目内容",
    "text_too_long": "题目内容过长（超过 {limit} 字）",
    "no_questions": "文件中没有找到试题",
    "unknown_type": "未知题型“{value}”",
    "empty_option": "答案 {letter} 对应的选项为空",
    "bad_letters": "答案“{value}”无法识别，应为选项字母，如 A 或 ABD",
    "single_many_answers": "单选题只能有一个答案，而答案为“{value}”",
    "multiple_one_answer": "多选题至少应有两个选项",
    "bad_truefalse": "判断题答案“{value}”无法识别，应为 正确/错误、对/错 或 √/×",
    "bad_points": "分值“{value}”无效，应为不小于 0 的数字",
    "too_few_options": "选择题至少需要两个选项",
    "no_correct_option": "没有得分的选项",
    "image_too_large": "图片 {name} 过大，已忽略（上限 {limit}）",
    "bad_image": "图片 {name} 数据无效，已忽略",
    "unsupported_qtype": "不支持的题型“{value}”，已跳过",
    "unclosed_brace": "答案部分缺少右花括号“}}”",
    "unopened_brace": "答案部分缺少左花括号“{{”",
    "bad_number": "数值“{value}”无效",
    "bad_weight": "分数比例“{value}”无效",
    "invalid_grade": "得分比例 {values} 不是 Moodle 允许的值（如 100%、50%、33.33333%、25%、20%、10%），整题未导入",
    "empty_answer_block": "答案部分没有可识别的答案",
    "bad_matching": "匹配题的每一项都应写成 =左项 -> 右项",
    # media in questions (Moodle XML)
    "audio_too_large": "音频 {name} 过大，已忽略（上限 {limit}）",
    "media_mismatch": "文件 {name} 的内容不是它的扩展名所说的图片或音频，已忽略",
    "media_unsupported": "文件 {name} 不是可以显示的图片（PNG、JPEG、GIF、WebP、BMP）或可以播放的音频（MP3、M4A、OGG、WAV），已忽略",
    "image_path_only": "图片 {name} 只写了文件路径，文件里没有图片数据，未能导入",
    "file_missing": "题目引用的文件 {name} 不在导入文件中，无法显示",
    "image_in_answer": "答案或反馈中的图片 {name} 无法显示（答案和反馈只显示文字），未导入",
    # cloze (embedded answers)
    "cloze_no_blanks": "完形填空题中没有找到空格，空格应写成 {{1:SHORTANSWER:=答案}}",
    "cloze_bad_number": "第 {number} 个空格是数值空格，但“{value}”不是数字",
    "cloze_too_few_options": "第 {number} 个空格是选择空格，至少需要两个选项",
    "cloze_no_answer": "第 {number} 个空格没有答案",
    "cloze_no_full_marks": "第 {number} 个空格没有满分（= 或 %100%）的答案",
    "cloze_no_right_option": "第 {number} 个空格是多选空格，至少需要一个得分的选项（= 或 %50% 这样的正分）",
    "cloze_marker_lost": "完形填空题的空格位置无法保留（空格写在了链接或图片的属性里），整题未导入",
    # exports
    "export_cloze_unsupported": "{format} 格式不支持完形填空题，未导出；请用 Moodle XML 导出",
    "export_unsupported_type": "Excel 模板不支持此题型（{type}），未导出",
    "export_type_unknown_to_formats": "导入导出格式不支持此题型（{type}），未导出",
    "export_too_many_options": "选项超过 8 个，Excel 模板无法容纳，未导出",
    "export_partial_credit_lost": "多选题的部分得分比例无法写入 Excel 模板，已按全对得分导出",
}


def message(key: str, **values) -> str:
    return MESSAGES[key].format(**values)


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(size, 1) / 1024:.0f} KB"
