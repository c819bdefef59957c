//! The org chart drawn upside down: customers on top, the front line (outcome teams) next,
//! then one row per layer of support, the top of the support chain (the CEO) at the bottom,
//! as an inverted pyramid. This is a pure function from counts and names to coordinates; the
//! template `templates/pages/orgchart.html` turns the result into SVG, so no markup is built
//! here. `from_org` builds the input from the organisation as of any date.

use std::collections::HashMap;

use frontline_core::org::history::{OrgAsOf, PersonAsOf, TeamAsOf, TeamKind};
use frontline_core::{PersonId, Role, TeamId};

/// Boxes are this wide and tall; rows are this far apart.
const NODE_W: u32 = 156;
const NODE_H: u32 = 52;
const GAP: u32 = 18;
const ROW_H: u32 = 130;
const MARGIN: u32 = 24;
const TOP: u32 = 56;
const MIN_WIDTH: u32 = 760;
/// Labels longer than this are shortened with an ellipsis so they fit their box.
const MAX_LABEL: usize = 20;

/// An outcome team of the front line.
#[derive(Clone, Debug)]
pub struct TeamNode {
    pub name: String,
    pub members: usize,
}

/// A support employee: the front-line teams (indexes into `ChartInput::teams`) they serve,
/// and the support employees they serve through a support team (a `(row, index)` into
/// `ChartInput::levels`, always a row above their own).
#[derive(Clone, Debug, Default)]
pub struct SupportNode {
    pub name: String,
    pub title: Option<String>,
    pub teams: Vec<usize>,
    pub serves: Vec<(usize, usize)>,
    /// Drawn as the top of the organisation (the CEO).
    pub top: bool,
}

#[derive(Clone, Debug, Default)]
pub struct ChartInput {
    pub customers: usize,
    pub teams: Vec<TeamNode>,
    /// Support employees by layer: `levels[0]` serve the front line directly, the last row
    /// is the top of the chain.
    pub levels: Vec<Vec<SupportNode>>,
}

/// One layer of the pyramid, as a trapezoid behind its row.
#[derive(Clone, Debug)]
pub struct Band {
    pub label: String,
    pub label_x: u32,
    pub label_y: u32,
    /// SVG polygon points.
    pub points: String,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    pub cx: u32,
    pub label_y: u32,
    pub detail_y: u32,
    pub label: String,
    pub detail: String,
    /// `customers`, `team`, `support` or `ceo`: the CSS class.
    pub kind: &'static str,
}

#[derive(Clone, Debug)]
pub struct Edge {
    pub x1: u32,
    pub y1: u32,
    pub x2: u32,
    pub y2: u32,
    /// `serves` (customers and teams), `supports` (a support link to a front-line team) or
    /// `leads` (a support link to a support team, drawn to each of its members).
    pub kind: &'static str,
}

#[derive(Clone, Debug)]
pub struct Chart {
    pub width: u32,
    pub height: u32,
    pub bands: Vec<Band>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

/// The chart's input from the organisation as of a date: front-line teams on the front line,
/// each support employee in the row of their level (those whose support reaches no
/// front-line team in the first support row), the CEO (the support employee titled "CEO",
/// else the highest level) drawn as the top.
pub fn from_org(org: &OrgAsOf, customers: usize) -> ChartInput {
    let front: Vec<&TeamAsOf> = org
        .teams
        .iter()
        .filter(|t| t.kind == TeamKind::FrontLine)
        .collect();
    let team_index: HashMap<TeamId, usize> =
        front.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
    let supporters: Vec<&PersonAsOf> = org
        .people
        .iter()
        .filter(|p| p.role == Role::Support)
        .collect();
    let rows = org.layers.max(1) as usize;
    let row_of = |p: &PersonAsOf| (p.level.unwrap_or(1).max(1) as usize - 1).min(rows - 1);
    let is_ceo = |p: &PersonAsOf| {
        p.title
            .as_deref()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("ceo"))
    };
    let has_ceo = supporters.iter().any(|p| is_ceo(p));
    let mut levels: Vec<Vec<&PersonAsOf>> = vec![Vec::new(); rows];
    for p in &supporters {
        levels[row_of(p)].push(p);
    }
    let position: HashMap<PersonId, (usize, usize)> = levels
        .iter()
        .enumerate()
        .flat_map(|(r, row)| row.iter().enumerate().map(move |(i, p)| (p.id, (r, i))))
        .collect();
    let levels = levels
        .iter()
        .enumerate()
        .map(|(r, row)| {
            row.iter()
                .map(|p| SupportNode {
                    name: p.name.clone(),
                    title: p.title.clone(),
                    teams: p
                        .supports
                        .iter()
                        .filter_map(|t| team_index.get(t).copied())
                        .collect(),
                    serves: p
                        .supports
                        .iter()
                        .filter_map(|t| org.team(*t))
                        .filter(|t| t.kind == TeamKind::Support)
                        .flat_map(|t| t.members.iter())
                        .filter_map(|m| position.get(m).copied())
                        .filter(|(row, _)| *row < r)
                        .collect(),
                    top: if has_ceo {
                        is_ceo(p)
                    } else {
                        rows > 1 && r == rows - 1
                    },
                })
                .collect()
        })
        .collect();
    ChartInput {
        customers,
        teams: front
            .iter()
            .map(|t| TeamNode {
                name: t.name.clone(),
                members: t.members.len(),
            })
            .collect(),
        levels,
    }
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_LABEL {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(MAX_LABEL - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Lay out `count` boxes centred in a row.
fn row(width: u32, count: usize, y: u32) -> Vec<(u32, u32)> {
    let n = count as u32;
    let total = n * NODE_W + n.saturating_sub(1) * GAP;
    let start = width.saturating_sub(total) / 2;
    (0..n).map(|i| (start + i * (NODE_W + GAP), y)).collect()
}

fn node((x, y): (u32, u32), label: &str, detail: String, kind: &'static str) -> Node {
    Node {
        x,
        y,
        w: NODE_W,
        h: NODE_H,
        cx: x + NODE_W / 2,
        label_y: y + 22,
        detail_y: y + 40,
        label: shorten(label),
        detail: shorten(&detail),
        kind,
    }
}

/// Compute the inverted chart.
pub fn layout(input: &ChartInput) -> Chart {
    // Trailing empty rows draw nothing.
    let levels: Vec<&Vec<SupportNode>> = {
        let used = input
            .levels
            .iter()
            .rposition(|row| !row.is_empty())
            .map_or(0, |i| i + 1);
        input.levels.iter().take(used).collect()
    };
    let widest = levels
        .iter()
        .map(|row| row.len())
        .chain([input.teams.len(), 1])
        .max()
        .unwrap_or(1) as u32;
    let width = (widest * NODE_W + (widest - 1) * GAP + 2 * MARGIN).max(MIN_WIDTH);
    let rows = 2 + levels.len() as u32;
    let height = TOP + rows * ROW_H;
    let row_y = |i: u32| TOP + i * ROW_H;

    // The pyramid narrows from the full width at the top to a third at the bottom.
    let half_at = |y: u32| -> u32 {
        let t = f64::from(y) / f64::from(height.max(1));
        let full = f64::from(width / 2 - MARGIN / 2);
        (full * (1.0 - 0.62 * t)).round() as u32
    };
    let mid = width / 2;
    let label = |i: u32| -> String {
        match i {
            0 => "Customers".to_owned(),
            1 => "Front line".to_owned(),
            _ => {
                let level = (i - 1) as usize;
                let row = levels[level - 1];
                if level == levels.len() && row.iter().all(|s| s.top) {
                    "CEO".to_owned()
                } else if levels.len() > 1 {
                    format!("Support, layer {level}")
                } else {
                    "Support".to_owned()
                }
            }
        }
    };
    let bands = (0..rows)
        .map(|i| {
            let top = row_y(i) - 34;
            let bottom = row_y(i) + NODE_H + 30;
            let (ht, hb) = (half_at(top), half_at(bottom));
            Band {
                label: label(i),
                label_x: mid - ht + 12,
                label_y: top + 20,
                points: format!(
                    "{},{top} {},{top} {},{bottom} {},{bottom}",
                    mid - ht,
                    mid + ht,
                    mid + hb,
                    mid - hb
                ),
            }
        })
        .collect();

    let mut nodes = Vec::new();
    let mut edges = Vec::new();

    let customers = node(
        row(width, 1, row_y(0))[0],
        &plural(input.customers, "customer", "customers"),
        "on top".to_owned(),
        "customers",
    );
    let team_nodes: Vec<Node> = row(width, input.teams.len(), row_y(1))
        .into_iter()
        .zip(&input.teams)
        .map(|(at, t)| node(at, &t.name, plural(t.members, "member", "members"), "team"))
        .collect();
    for t in &team_nodes {
        edges.push(Edge {
            x1: customers.cx,
            y1: customers.y + NODE_H,
            x2: t.cx,
            y2: t.y,
            kind: "serves",
        });
    }
    let support_rows: Vec<Vec<Node>> = levels
        .iter()
        .enumerate()
        .map(|(r, people)| {
            row(width, people.len(), row_y(2 + r as u32))
                .into_iter()
                .zip(people.iter())
                .map(|(at, s)| {
                    let detail = s
                        .title
                        .clone()
                        .unwrap_or_else(|| plural(s.teams.len(), "team", "teams"));
                    let kind = if s.top { "ceo" } else { "support" };
                    node(at, &s.name, detail, kind)
                })
                .collect()
        })
        .collect();
    for (row_nodes, people) in support_rows.iter().zip(&levels) {
        for (s, spec) in row_nodes.iter().zip(people.iter()) {
            for t in spec.teams.iter().filter_map(|&i| team_nodes.get(i)) {
                edges.push(Edge {
                    x1: s.cx,
                    y1: s.y,
                    x2: t.cx,
                    y2: t.y + NODE_H,
                    kind: "supports",
                });
            }
            for (r, i) in &spec.serves {
                if let Some(below) = support_rows.get(*r).and_then(|row| row.get(*i)) {
                    edges.push(Edge {
                        x1: s.cx,
                        y1: s.y,
                        x2: below.cx,
                        y2: below.y + NODE_H,
                        kind: "leads",
                    });
                }
            }
        }
    }
    nodes.push(customers);
    nodes.extend(team_nodes);
    nodes.extend(support_rows.into_iter().flatten());
    Chart {
        width,
        height,
        bands,
        nodes,
        edges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ChartInput {
        ChartInput {
            customers: 300,
            teams: vec![
                TeamNode {
                    name: "Orders".into(),
                    members: 6,
                },
                TeamNode {
                    name: "Billing and a very long team name".into(),
                    members: 1,
                },
            ],
            levels: vec![
                vec![SupportNode {
                    name: "Sue".into(),
                    title: Some("Team lead".into()),
                    teams: vec![0, 1],
                    ..Default::default()
                }],
                vec![SupportNode {
                    name: "Cleo".into(),
                    title: Some("CEO".into()),
                    serves: vec![(0, 0)],
                    top: true,
                    ..Default::default()
                }],
            ],
        }
    }

    fn y_of(chart: &Chart, kind: &str) -> u32 {
        chart
            .nodes
            .iter()
            .find(|n| n.kind == kind)
            .map(|n| n.y)
            .expect("node of that kind")
    }

    #[test]
    fn customers_are_on_top_and_the_ceo_at_the_bottom() {
        let chart = layout(&input());
        let (c, t, s, ceo) = (
            y_of(&chart, "customers"),
            y_of(&chart, "team"),
            y_of(&chart, "support"),
            y_of(&chart, "ceo"),
        );
        assert!(c < t && t < s && s < ceo, "{c} {t} {s} {ceo}");
        assert!(chart.nodes.iter().all(|n| n.y + n.h <= chart.height));
        assert!(chart.nodes.iter().all(|n| n.x + n.w <= chart.width));
        assert_eq!(chart.bands.len(), 4);
        assert_eq!(chart.bands[3].label, "CEO");
        assert_eq!(chart.bands[2].label, "Support, layer 1");
        assert_eq!(chart.nodes[0].label, "300 customers");
    }

    #[test]
    fn every_team_is_served_and_support_links_become_edges() {
        let chart = layout(&input());
        let count = |kind: &str| chart.edges.iter().filter(|e| e.kind == kind).count();
        assert_eq!(count("serves"), 2);
        assert_eq!(count("supports"), 2);
        assert_eq!(count("leads"), 1);
    }

    #[test]
    fn long_names_are_shortened_and_an_empty_org_still_draws() {
        let chart = layout(&input());
        assert!(chart.nodes.iter().any(|n| n.label.ends_with('…')));
        assert!(
            chart
                .nodes
                .iter()
                .all(|n| n.label.chars().count() <= MAX_LABEL)
        );
        let empty = layout(&ChartInput::default());
        assert_eq!(empty.nodes.len(), 1);
        assert_eq!(empty.bands.len(), 2);
    }
}
