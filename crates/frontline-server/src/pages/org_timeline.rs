//! The organisation's timeline as a chart: three panels over the same months, headcount by
//! role (stacked bars), teams in force (a line, front-line teams dashed) and layers of
//! support (a step line). A pure function from monthly points to coordinates; the template
//! `templates/pages/org_timeline.html` draws the SVG.

use frontline_core::org::history::MonthPoint;

const WIDTH: u32 = 960;
const LEFT: u32 = 56;
const RIGHT: u32 = 16;
const PANEL_H: u32 = 96;
const PANEL_GAP: u32 = 44;
const TOP: u32 = 30;

#[derive(Clone, Debug)]
pub struct Bar {
    pub x: String,
    pub y: String,
    pub w: String,
    pub h: String,
    /// `employee` or `support`: the CSS class.
    pub kind: &'static str,
    /// Tooltip text.
    pub title: String,
}

#[derive(Clone, Debug)]
pub struct Line {
    /// SVG polyline points.
    pub points: String,
    /// CSS class: `teams`, `front-line`, `layers`.
    pub kind: &'static str,
}

#[derive(Clone, Debug)]
pub struct Tick {
    pub y: String,
    pub label: String,
}

#[derive(Clone, Debug)]
pub struct Panel {
    pub title: &'static str,
    pub title_y: u32,
    pub top: u32,
    pub bottom: u32,
    pub ticks: Vec<Tick>,
    pub bars: Vec<Bar>,
    pub lines: Vec<Line>,
}

#[derive(Clone, Debug)]
pub struct XLabel {
    pub x: String,
    pub label: String,
}

#[derive(Clone, Debug)]
pub struct TimelineChart {
    pub width: u32,
    pub height: u32,
    pub left: u32,
    pub right: u32,
    pub panels: Vec<Panel>,
    /// One label per January (or per month when the timeline is short), under the last panel.
    pub x_labels: Vec<XLabel>,
    pub x_label_y: u32,
    /// A sentence for screen readers.
    pub summary: String,
}

fn f(x: f64) -> String {
    format!("{x:.1}")
}

/// A round axis maximum at or above `max` (1, 2, 5, 10, 20, 50…).
fn nice_max(max: u32) -> u32 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if m * step >= max.max(1) {
                return m * step;
            }
        }
        step *= 10;
    }
}

/// Lay out the three panels for `points` (oldest first).
pub fn layout(points: &[MonthPoint]) -> TimelineChart {
    let n = points.len().max(1);
    let plot_w = f64::from(WIDTH - LEFT - RIGHT);
    let slot = plot_w / n as f64;
    let x_mid = |i: usize| f64::from(LEFT) + slot * (i as f64 + 0.5);
    let panel = |k: u32| TOP + k * (PANEL_H + PANEL_GAP);
    let ticks = |top: u32, max: u32| {
        // Small scales (layers) get every whole number; others the ends and the middle.
        let values: Vec<u32> = if max <= 5 {
            (0..=max).collect()
        } else {
            vec![0, max / 2, max]
        };
        values
            .iter()
            .map(|v| Tick {
                y: f(f64::from(top + PANEL_H) - f64::from(*v) / f64::from(max) * f64::from(PANEL_H)),
                label: v.to_string(),
            })
            .collect::<Vec<_>>()
    };
    let y_of = |top: u32, max: u32, v: f64| {
        f64::from(top + PANEL_H) - v / f64::from(max) * f64::from(PANEL_H)
    };

    // Headcount: stacked bars, employees below, support employees on top.
    let top0 = panel(0);
    let head_max = nice_max(
        points
            .iter()
            .map(|p| p.headcount.total())
            .max()
            .unwrap_or(0),
    );
    let bar_w = (slot * 0.72).max(1.0);
    let mut bars = Vec::new();
    for (i, p) in points.iter().enumerate() {
        let x = x_mid(i) - bar_w / 2.0;
        let (e, s) = (
            f64::from(p.headcount.employee),
            f64::from(p.headcount.support),
        );
        let y_e = y_of(top0, head_max, e);
        bars.push(Bar {
            x: f(x),
            y: f(y_e),
            w: f(bar_w),
            h: f(f64::from(top0 + PANEL_H) - y_e),
            kind: "employee",
            title: format!("{}: {} employees", p.month, p.headcount.employee),
        });
        let y_s = y_of(top0, head_max, e + s);
        bars.push(Bar {
            x: f(x),
            y: f(y_s),
            w: f(bar_w),
            h: f(y_e - y_s),
            kind: "support",
            title: format!("{}: {} support employees", p.month, p.headcount.support),
        });
    }

    // Teams: all teams and front-line teams.
    let top1 = panel(1);
    let team_max = nice_max(points.iter().map(|p| p.teams).max().unwrap_or(0));
    let line = |top: u32, max: u32, value: &dyn Fn(&MonthPoint) -> u32| {
        points
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{},{}", f(x_mid(i)), f(y_of(top, max, f64::from(value(p))))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let teams = Line {
        points: line(top1, team_max, &|p| p.teams),
        kind: "teams",
    };
    let front = Line {
        points: line(top1, team_max, &|p| p.front_line_teams),
        kind: "front-line",
    };

    // Layers: a step line (a layer is there for the whole month or not).
    let top2 = panel(2);
    let layer_max = points.iter().map(|p| p.layers).max().unwrap_or(0).max(2);
    let mut steps = Vec::new();
    for (i, p) in points.iter().enumerate() {
        let y = f(y_of(top2, layer_max, f64::from(p.layers)));
        let left = f64::from(LEFT) + slot * i as f64;
        steps.push(format!("{},{y}", f(left)));
        steps.push(format!("{},{y}", f(left + slot)));
    }
    let layers = Line {
        points: steps.join(" "),
        kind: "layers",
    };

    let every = if points.len() > 18 { 12 } else { 1 };
    let x_labels = points
        .iter()
        .enumerate()
        .filter(|(i, p)| {
            // Every January; the first month too unless a January follows within a quarter
            // (the labels would overlap).
            every == 1
                || p.month.ends_with("-01")
                || (*i == 0 && !points.iter().take(4).any(|q| q.month.ends_with("-01")))
        })
        .map(|(i, p)| XLabel {
            x: f(x_mid(i)),
            label: if every == 1 {
                p.month.clone()
            } else {
                p.month[..4].to_owned()
            },
        })
        .collect();

    let summary = match (points.first(), points.last()) {
        (Some(a), Some(b)) => format!(
            "From {} to {}: headcount {} to {}, teams {} to {}, layers {} to {}.",
            a.month,
            b.month,
            a.headcount.total(),
            b.headcount.total(),
            a.teams,
            b.teams,
            a.layers,
            b.layers
        ),
        _ => "No history yet.".to_owned(),
    };
    let panels = vec![
        Panel {
            title: "Headcount by role (employees, support employees)",
            title_y: top0 - 10,
            top: top0,
            bottom: top0 + PANEL_H,
            ticks: ticks(top0, head_max),
            bars,
            lines: Vec::new(),
        },
        Panel {
            title: "Teams (all, front line dashed)",
            title_y: top1 - 10,
            top: top1,
            bottom: top1 + PANEL_H,
            ticks: ticks(top1, team_max),
            bars: Vec::new(),
            lines: vec![teams, front],
        },
        Panel {
            title: "Layers between the front line and the top",
            title_y: top2 - 10,
            top: top2,
            bottom: top2 + PANEL_H,
            ticks: ticks(top2, layer_max),
            bars: Vec::new(),
            lines: vec![layers],
        },
    ];
    TimelineChart {
        width: WIDTH,
        height: panel(3) - PANEL_GAP + 30,
        left: LEFT,
        right: WIDTH - RIGHT,
        x_label_y: panel(2) + PANEL_H + 20,
        panels,
        x_labels,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontline_core::org::history::Headcount;

    fn point(month: &str, employee: u32, support: u32, teams: u32, layers: u32) -> MonthPoint {
        MonthPoint {
            month: month.into(),
            at: frontline_core::time::now(),
            layers,
            teams,
            front_line_teams: teams.saturating_sub(1),
            span_teams: 1.0,
            span_people: 4.0,
            headcount: Headcount { employee, support },
        }
    }

    #[test]
    fn bars_stack_and_everything_stays_inside_the_chart() {
        let points = vec![
            point("2023-12", 8, 1, 2, 1),
            point("2024-01", 10, 2, 3, 2),
            point("2024-02", 12, 3, 4, 2),
        ];
        let chart = layout(&points);
        assert_eq!(chart.panels.len(), 3);
        assert_eq!(chart.panels[0].bars.len(), 6);
        let num = |s: &str| s.parse::<f64>().unwrap();
        for panel in &chart.panels {
            for bar in &panel.bars {
                assert!(num(&bar.y) >= f64::from(panel.top) - 0.1, "{bar:?}");
                assert!(num(&bar.y) + num(&bar.h) <= f64::from(panel.bottom) + 0.1);
                assert!(num(&bar.x) + num(&bar.w) <= f64::from(chart.width));
            }
        }
        // A support bar sits right on top of the employee bar of its month.
        let (e, s) = (&chart.panels[0].bars[0], &chart.panels[0].bars[1]);
        assert!((num(&s.y) + num(&s.h) - num(&e.y)).abs() < 0.2);
        assert_eq!(chart.x_labels.len(), 3, "short timelines label every month");
        assert!(chart.summary.contains("layers 1 to 2"), "{}", chart.summary);
    }

    #[test]
    fn long_timelines_label_years_and_an_empty_one_still_draws() {
        let points: Vec<MonthPoint> = (0..48)
            .map(|i| point(&format!("{}-{:02}", 2022 + i / 12, i % 12 + 1), 10, 2, 3, 2))
            .collect();
        let chart = layout(&points);
        let labels: Vec<&str> = chart.x_labels.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["2022", "2023", "2024", "2025"]);
        // A timeline starting in November labels its first January, not its first month.
        let late_start = layout(&points[10..]);
        let labels: Vec<&str> = late_start
            .x_labels
            .iter()
            .map(|l| l.label.as_str())
            .collect();
        assert_eq!(labels, ["2023", "2024", "2025"]);
        let layer_ticks: Vec<&str> = chart.panels[2]
            .ticks
            .iter()
            .map(|t| t.label.as_str())
            .collect();
        assert_eq!(layer_ticks, ["0", "1", "2"], "every layer is labelled");
        let empty = layout(&[]);
        assert_eq!(empty.summary, "No history yet.");
        assert_eq!(nice_max(0), 1);
        assert_eq!(nice_max(31), 50);
        assert_eq!(nice_max(7), 10);
    }
}
