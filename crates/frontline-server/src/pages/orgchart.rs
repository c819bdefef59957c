//! The org chart drawn upside down: customers on top, the front line (outcome teams) next,
//! support employees below them and the CEO at the bottom, as an inverted pyramid. This is
//! a pure function from counts and names to coordinates; the template
//! `templates/pages/orgchart.html` turns the result into SVG, so no markup is built here.

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

/// A support employee and the teams (indexes into `ChartInput::teams`) they serve.
#[derive(Clone, Debug)]
pub struct SupportNode {
    pub name: String,
    pub title: Option<String>,
    pub teams: Vec<usize>,
}

#[derive(Clone, Debug, Default)]
pub struct ChartInput {
    pub customers: usize,
    pub teams: Vec<TeamNode>,
    pub supports: Vec<SupportNode>,
    pub ceo: Option<SupportNode>,
}

/// One layer of the pyramid, as a trapezoid behind its row.
#[derive(Clone, Debug)]
pub struct Band {
    pub label: &'static str,
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
    /// `serves` (customers and teams), `supports` (a recorded support link) or `leads`
    /// (the CEO under the support layer).
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
    let widest = input.teams.len().max(input.supports.len()).max(1) as u32;
    let width = (widest * NODE_W + (widest - 1) * GAP + 2 * MARGIN).max(MIN_WIDTH);
    let rows = if input.ceo.is_some() { 4 } else { 3 };
    let height = TOP + rows * ROW_H;
    let row_y = |i: u32| TOP + i * ROW_H;

    // The pyramid narrows from the full width at the top to a third at the bottom.
    let half_at = |y: u32| -> u32 {
        let t = f64::from(y) / f64::from(height.max(1));
        let full = f64::from(width / 2 - MARGIN / 2);
        (full * (1.0 - 0.62 * t)).round() as u32
    };
    let mid = width / 2;
    let labels = ["Customers", "Front line", "Support", "CEO"];
    let bands = (0..rows)
        .map(|i| {
            let top = row_y(i) - 34;
            let bottom = row_y(i) + NODE_H + 30;
            let (ht, hb) = (half_at(top), half_at(bottom));
            Band {
                label: labels[i as usize],
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
    let support_nodes: Vec<Node> = row(width, input.supports.len(), row_y(2))
        .into_iter()
        .zip(&input.supports)
        .map(|(at, s)| {
            let detail = s
                .title
                .clone()
                .unwrap_or_else(|| plural(s.teams.len(), "team", "teams"));
            node(at, &s.name, detail, "support")
        })
        .collect();
    for (s, input_s) in support_nodes.iter().zip(&input.supports) {
        for t in input_s.teams.iter().filter_map(|&i| team_nodes.get(i)) {
            edges.push(Edge {
                x1: s.cx,
                y1: s.y,
                x2: t.cx,
                y2: t.y + NODE_H,
                kind: "supports",
            });
        }
    }
    let ceo_node = input.ceo.as_ref().map(|c| {
        let detail = c.title.clone().unwrap_or_else(|| "CEO".to_owned());
        node(row(width, 1, row_y(3))[0], &c.name, detail, "ceo")
    });
    if let (Some(ceo), Some(input_ceo)) = (&ceo_node, &input.ceo) {
        for t in input_ceo.teams.iter().filter_map(|&i| team_nodes.get(i)) {
            edges.push(Edge {
                x1: ceo.cx,
                y1: ceo.y,
                x2: t.cx,
                y2: t.y + NODE_H,
                kind: "supports",
            });
        }
        for s in &support_nodes {
            edges.push(Edge {
                x1: ceo.cx,
                y1: ceo.y,
                x2: s.cx,
                y2: s.y + NODE_H,
                kind: "leads",
            });
        }
    }
    nodes.push(customers);
    nodes.extend(team_nodes);
    nodes.extend(support_nodes);
    nodes.extend(ceo_node);
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
            supports: vec![SupportNode {
                name: "Sue".into(),
                title: Some("Team lead".into()),
                teams: vec![0, 1],
            }],
            ceo: Some(SupportNode {
                name: "Cleo".into(),
                title: Some("CEO".into()),
                teams: vec![],
            }),
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
        assert_eq!(empty.bands.len(), 3);
    }
}
