"""The report as a PDF (ReportLab): the same figures and words as the page, on A4.

The radar is drawn here (rings at 25, 50, 75 and 100, one spoke per dimension) so that its
scale is always 0–100, as on the page. The private link is not printed: a PDF is passed
around, the link opens the report to whoever holds it. The standard PDF fonts cover the
four languages' letters (Windows-1252); any other character is replaced.
"""

from __future__ import annotations

import io
import math
from typing import Any, Literal
from xml.sax.saxutils import escape

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, PolyLine, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from territoria.core.i18n import current_language, translated
from territoria.maturity.charts import MINE, PEERS, Row
from territoria.maturity.services.report import Report, peers_sentence

_STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=_STYLES["BodyText"], fontSize=10, leading=13.5)
SMALL = ParagraphStyle(
    "small", parent=BODY, fontSize=8.5, leading=11, textColor=colors.HexColor("#444444")
)
TITLE = ParagraphStyle("title", parent=_STYLES["Title"], alignment=TA_LEFT, fontSize=20)
HEADING = ParagraphStyle(
    "heading", parent=_STYLES["Heading2"], fontSize=13, spaceBefore=10, keepWithNext=1
)
SUBHEADING = ParagraphStyle(
    "sub", parent=_STYLES["Heading3"], fontSize=11, spaceBefore=6, keepWithNext=1
)
GRID = colors.HexColor("#bbbbbb")


def render(report: Report, base_url: str) -> bytes:
    """The report's PDF; `base_url` ("https://host") makes the advice's links absolute."""
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=_latin(f"{_('Your results')} · {report.title}"),
        author="Territoria",
        lang=current_language(),
    )
    document.build(_story(report, base_url), onFirstPage=_footer, onLaterPages=_footer)
    return out.getvalue()


def _story(report: Report, base_url: str) -> list[Any]:
    assessment = report.assessment
    completed = formats.date_format(timezone.localtime(assessment.completed_at), "DATE_FORMAT")
    story: list[Any] = [
        _p(f"{report.title} · {_('completed on %(date)s') % {'date': completed}}", SMALL),
        _p(_("Your results"), TITLE),
        _p(
            _("Overall score: %(score)s out of 100, level “%(level)s”.")
            % {
                "score": _number(assessment.overall),
                "level": translated(report.level, "label").text,
            },
            BODY,
        ),
    ]
    if assessment.enterprise_number:
        story.append(
            _p(_("Enterprise number: %(number)s") % {"number": assessment.enterprise_number}, SMALL)
        )
    story += [Spacer(1, 4 * mm), _p(peers_sentence(report.peers), BODY)]
    story += [Spacer(1, 3 * mm), radar(report.rows, report.peers is not None)]
    story.append(_scores_table(report))
    if report.progress is not None:
        story.append(_p(_("Since your previous assessment"), HEADING))
        story.append(_progress_table(report))
    story.append(_p(_("Strengths and weaknesses"), HEADING))
    story.append(_p(f"{_('Your strongest dimensions:')} {_listed(report.strongest)}.", BODY))
    story.append(_p(f"{_('Where to start:')} {_listed(report.weakest)}.", BODY))
    story.append(_p(_("Recommendations"), HEADING))
    if not report.advice:
        story.append(
            _p(
                _(
                    "No recommendation applies to your scores: none of your dimensions is "
                    "under the thresholds the agency set."
                ),
                BODY,
            )
        )
    for item in report.advice:
        block: list[Any] = [
            _p(item.title.text, SUBHEADING),
            _p(f"{_('Why:')} {item.why}", SMALL),
            _p(item.advice.text, BODY),
        ]
        for pointer in item.pointers:
            link = base_url + pointer.url
            block.append(
                Paragraph(
                    f"• <b>{_kind(pointer.kind)}</b> "
                    f'<link href="{escape(link)}" color="#00509e">{_x(pointer.name.text)}</link>'
                    + (f": {_x(pointer.detail)}" if pointer.detail else ""),
                    BODY,
                )
            )
        story.append(KeepTogether(block))
    story.append(_p(_("Maturity levels"), HEADING))
    story.append(
        _p(
            " · ".join(
                f"{translated(band, 'label').text} {band.low}–{band.high}" for band in report.levels
            ),
            BODY,
        )
    )
    return story


def radar(rows: list[Row], with_peers: bool, size: float = 82 * mm) -> Drawing:
    """The scores (and the peers' means) on spokes from 0 at the centre to 100."""
    width = 170 * mm
    drawing = Drawing(width, size + 12 * mm)
    cx, cy, radius = width / 2, size / 2 + 8 * mm, size / 2 - 6 * mm
    count = len(rows)

    def point(index: int, value: float) -> tuple[float, float]:
        angle = math.pi / 2 - 2 * math.pi * index / count  # first spoke up, clockwise
        r = radius * max(0.0, min(100.0, value)) / 100
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    # The rings' values along the bisector of the first two spokes, clear of the labels.
    between = math.pi / 2 - math.pi / count
    for ring in (25, 50, 75, 100):
        drawing.add(Circle(cx, cy, radius * ring / 100, strokeColor=GRID, fillColor=None))
        r = radius * ring / 100
        x, y = cx + r * math.cos(between), cy + r * math.sin(between)
        drawing.add(
            String(x + 2, y + 1, str(ring), fontSize=6.5, fillColor=colors.HexColor("#555555"))
        )
    for index, row in enumerate(rows):
        x, y = point(index, 100)
        drawing.add(Line(cx, cy, x, y, strokeColor=GRID))
        anchor: Literal["start", "middle", "end"] = (
            "middle" if abs(x - cx) < 1 else ("start" if x > cx else "end")
        )
        lx, ly = point(index, 112)
        drawing.add(String(lx, ly - 3, _latin(_short(row.label)), fontSize=8, textAnchor=anchor))
    series = [([row.score for row in rows], MINE, _("Your scores"))]
    if with_peers:
        series.append(([float(row.peers or 0) for row in rows], PEERS, _("Peers' mean")))
    for values, colour, _name in reversed(series):  # yours drawn last, on top
        points = [c for i, v in enumerate(values) for c in point(i, float(v))]
        stroke = colors.HexColor(colour)
        fill = colors.Color(stroke.red, stroke.green, stroke.blue, alpha=0.15)
        drawing.add(Polygon(points, strokeColor=stroke, strokeWidth=1.8, fillColor=fill))
    for number, (_values, colour, name) in enumerate(series):
        y = 4 + number * 10
        drawing.add(
            PolyLine([0, y + 2, 12, y + 2], strokeColor=colors.HexColor(colour), strokeWidth=2)
        )
        drawing.add(String(16, y, _latin(name), fontSize=8))
    return drawing


def _scores_table(report: Report) -> Table:
    header = [_("Dimension"), _("Your score")]
    if report.peers is not None:
        header.append(_("Peers' mean"))
    body = [
        [_p(row.label, BODY), _number(row.score)]
        + ([_number(row.peers)] if report.peers is not None else [])
        for row in report.rows
    ]
    return _table([header, *body])


def _progress_table(report: Report) -> Table:
    progress = report.progress
    assert progress is not None
    rows = [*progress.rows, progress.overall]
    return _table(
        [
            [_("Dimension"), _("Before"), _("Now"), _("Change")],
            *(
                [
                    _p(row.label, BODY),
                    _number(row.before),
                    _number(row.now),
                    ("+" if row.change > 0 else "") + _number(row.change),
                ]
                for row in rows
            ),
        ]
    )


def _table(rows: list[list[Any]]) -> Table:
    columns = len(rows[0])
    widths = [84 * mm] + [(174 - 84) * mm / (columns - 1)] * (columns - 1)
    table = Table(
        [[_latin(c) if isinstance(c, str) else c for c in row] for row in rows],
        colWidths=widths,
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9.5),
                ("FONT", (1, 1), (-1, -1), "Helvetica", 10),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, GRID),
            ]
        )
    )
    return table


def _footer(canvas: Any, document: Any) -> None:
    canvas.saveState()
    canvas.setFont("Helvetica", 8)
    canvas.setFillColor(colors.HexColor("#444444"))
    canvas.drawString(18 * mm, 9 * mm, _latin("Territoria · Digiscore"))
    canvas.drawRightString(
        A4[0] - 18 * mm, 9 * mm, _latin(_("Page %(page)s") % {"page": document.page})
    )
    canvas.restoreState()


def _kind(kind: str) -> str:
    names = {
        "call": _("Call"),
        "instrument": _("Instrument"),
        "programme": _("Programme"),
        "expert": _("Expert"),
    }
    return _x(names[kind])


def _listed(rows: list[Row]) -> str:
    return ", ".join(f"{row.label} ({_number(row.score)})" for row in rows)


def _short(label: str, most: int = 28) -> str:
    return label if len(label) <= most else label[: most - 1].rstrip() + "…"


def _number(value: Any) -> str:
    return "–" if value is None else formats.number_format(float(value), 1, use_l10n=True)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(_x(text), style)


def _x(text: str) -> str:
    return escape(_latin(text))


# Characters the standard fonts lack, written with ones they have.
_REPLACEMENTS = str.maketrans({"\u202f": "\u00a0", "\u2009": " ", "\u2011": "-", "\u2212": "-"})


def _latin(text: str) -> str:
    """`text` with only the characters the standard PDF fonts draw (Windows-1252)."""
    text = str(text).translate(_REPLACEMENTS)
    return text.encode("cp1252", errors="replace").decode("cp1252")
