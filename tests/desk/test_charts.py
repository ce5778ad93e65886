"""The inline SVG charts: valid XML, escaped labels, a tooltip per point and bar, gaps."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from carewire.desk.charts import bar_chart, line_chart, nice_ticks, percent

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))  # raises on anything that is not well-formed XML


def test_a_line_chart_has_a_line_per_run_and_a_tooltip_per_point():
    chart = parse(line_chart(["mon", "tue", "wed", "thu"],
                             {"x": [1, 2, None, 4], "<b>reddit</b>": [3, 3, 3, 3]},
                             title="Mentions & more"))
    assert chart.find(f"{SVG}title").text == "Mentions & more"
    assert len(chart.findall(f"{SVG}polyline")) == 3  # x breaks at the gap: two runs
    tips = [c.find(f"{SVG}title").text for c in chart.findall(f"{SVG}circle")]
    assert "x, thu: 4" in tips and "<b>reddit</b>, mon: 3" in tips and len(tips) == 7
    assert "<b>" not in str(line_chart(["a"], {"<b>": [1]}, title="t"))  # escaped, not markup


def test_a_rate_chart_keeps_its_fixed_axis_and_formats_values():
    chart = parse(line_chart(["w1", "w2"], {"csat": [0.5, 0.75]}, title="CSAT",
                             fmt=percent, y_range=(0, 1)))
    labels = [t.text for t in chart.findall(f"{SVG}text")]
    assert {"0%", "50%", "100%"} <= set(labels)
    assert [c.find(f"{SVG}title").text for c in chart.findall(f"{SVG}circle")] == [
        "csat, w1: 50%", "csat, w2: 75%"]


def test_bars_are_as_long_as_their_values_and_long_labels_are_cut_but_kept_in_the_tooltip():
    label = "Anyone else with Kestrel Mobile been charged twice this month?"
    chart = parse(bar_chart([(label, 10), ("short", 5)], title="Clusters", label_chars=20))
    first, second = chart.findall(f"{SVG}rect")
    assert float(first.get("width")) == 2 * float(second.get("width"))
    assert first.find(f"{SVG}title").text == f"{label}: 10"
    assert label not in [t.text for t in chart.findall(f"{SVG}text")]


def test_no_data_is_said_not_drawn():
    for chart in (line_chart([], {}, title="t"), line_chart(["a"], {"s": [None]}, title="t"),
                  bar_chart([], title="t")):
        assert "no data for this chart yet" in str(chart)
        parse(chart)


def test_ticks_are_round_numbers_covering_the_range():
    assert nice_ticks(0, 37) == [0, 10, 20, 30, 40]
    assert nice_ticks(-0.8, 0.3) == [-1.0, -0.5, 0.0, 0.5]
