//! Facts: what a decision is about. The employee supplies the kind's own facts; the customer's
//! and the case's facts are supplied automatically. Each fact has a slot, fixed by the schema,
//! so compiled rules read facts by index.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use crate::values::ValueError;

/// The type of a fact a decision kind asks for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FactType {
    Number,
    /// An amount in the kind's currency.
    Money,
    Text,
    Bool,
    /// One of a fixed set of words.
    Choice {
        options: Vec<String>,
    },
}

/// One fact a decision kind asks for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FactDef {
    /// The name used in expressions, e.g. `amount`.
    pub name: String,
    /// What the form shows, e.g. "Amount to refund".
    pub label: String,
    #[serde(flatten)]
    pub fact_type: FactType,
}

impl FactDef {
    pub fn validate(&self) -> Result<(), ValueError> {
        let name = &self.name;
        let well_formed = name.len() <= 40
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !well_formed {
            return Err(ValueError::new(
                "facts",
                format!(
                    "fact name {name:?} must start with a-z and use only a-z, 0-9 and '_' (at most 40)"
                ),
            ));
        }
        if matches!(
            name.as_str(),
            "customer" | "case" | "true" | "false" | "null" | "in"
        ) {
            return Err(ValueError::new(
                "facts",
                format!("{name:?} is reserved; choose another fact name"),
            ));
        }
        if self.label.trim().is_empty() || self.label.chars().count() > 120 {
            return Err(ValueError::new(
                "facts",
                format!("the label of {name:?} must be 1 to 120 characters"),
            ));
        }
        if let FactType::Choice { options } = &self.fact_type
            && (options.is_empty()
                || options.len() > 50
                || options.iter().any(|o| o.trim().is_empty() || o.len() > 80))
        {
            return Err(ValueError::new(
                "facts",
                format!("the choice {name:?} needs 1 to 50 options of 1 to 80 characters"),
            ));
        }
        Ok(())
    }
}

/// The type a fact has inside an expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    Num,
    Text,
    Bool,
    /// A list of text (a case's tags, a constant list of words).
    TextList,
    /// A constant list of numbers.
    NumList,
}

impl Ty {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Ty::Num => "number",
            Ty::Text => "text",
            Ty::Bool => "bool",
            Ty::TextList => "list of text",
            Ty::NumList => "list of numbers",
        }
    }
}

/// A fact every decision gets without the employee typing it.
#[derive(Clone, Copy, Debug)]
pub struct AutoFact {
    pub name: &'static str,
    ty: Ty,
    pub description: &'static str,
}

impl AutoFact {
    pub fn type_name(&self) -> &'static str {
        self.ty.name()
    }
}

/// The automatic facts, in slot order after the kind's own facts. `AutoFacts::values` must
/// list them in this order.
pub const AUTOMATIC_FACTS: &[AutoFact] = &[
    AutoFact {
        name: "customer.tenure_days",
        ty: Ty::Num,
        description: "days since the customer became a customer",
    },
    AutoFact {
        name: "customer.lifetime_value",
        ty: Ty::Num,
        description: "what the customer has spent with us, in the kind's currency",
    },
    AutoFact {
        name: "customer.open_cases",
        ty: Ty::Num,
        description: "the customer's cases not yet resolved or closed",
    },
    AutoFact {
        name: "customer.refunds_90d",
        ty: Ty::Num,
        description: "refund decisions recorded for the customer in the last 90 days",
    },
    AutoFact {
        name: "customer.tier",
        ty: Ty::Text,
        description: "the customer's tier, e.g. standard, plus or premium",
    },
    AutoFact {
        name: "customer.sentiment",
        ty: Ty::Num,
        description: "mood of the customer's recent messages on this case, -1 (angry) to 1 (happy)",
    },
    AutoFact {
        name: "case.age_days",
        ty: Ty::Num,
        description: "days since the case was opened",
    },
    AutoFact {
        name: "case.outcome",
        ty: Ty::Text,
        description: "the key of the outcome the case aims at",
    },
    AutoFact {
        name: "case.priority",
        ty: Ty::Text,
        description: "low, normal, high or urgent",
    },
    AutoFact {
        name: "case.channel",
        ty: Ty::Text,
        description: "web, email, api, phone or chat",
    },
    AutoFact {
        name: "case.status",
        ty: Ty::Text,
        description: "the case's status",
    },
    AutoFact {
        name: "case.tags",
        ty: Ty::TextList,
        description: "the case's tags",
    },
];

/// The automatic facts of one decision.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AutoFacts {
    pub customer_tenure_days: f64,
    pub customer_lifetime_value: f64,
    pub customer_open_cases: f64,
    pub customer_refunds_90d: f64,
    pub customer_tier: String,
    pub customer_sentiment: f64,
    pub case_age_days: f64,
    pub case_outcome: String,
    pub case_priority: String,
    pub case_channel: String,
    pub case_status: String,
    pub case_tags: Vec<String>,
}

impl AutoFacts {
    fn values(&self) -> [Value; 12] {
        [
            Value::Num(self.customer_tenure_days),
            Value::Num(self.customer_lifetime_value),
            Value::Num(self.customer_open_cases),
            Value::Num(self.customer_refunds_90d),
            Value::Text(self.customer_tier.clone()),
            Value::Num(self.customer_sentiment),
            Value::Num(self.case_age_days),
            Value::Text(self.case_outcome.clone()),
            Value::Text(self.case_priority.clone()),
            Value::Text(self.case_channel.clone()),
            Value::Text(self.case_status.clone()),
            Value::List(self.case_tags.clone()),
        ]
    }
}

/// A fact's value. Serialised as plain JSON (number, string, bool, array of strings).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Num(f64),
    Text(String),
    List(Vec<String>),
}

#[derive(Clone, Debug)]
pub(crate) struct Slot {
    pub(crate) name: String,
    pub(crate) ty: Ty,
    pub(crate) money: bool,
    /// Allowed words of a choice; empty for any other type.
    options: Vec<String>,
}

/// The facts a decision kind's rules may read, each at a fixed slot.
#[derive(Clone, Debug)]
pub struct Schema {
    pub(crate) slots: Vec<Slot>,
    supplied: usize,
    pub(crate) currency: String,
}

impl Schema {
    pub fn new(facts: &[FactDef], currency: &str) -> Self {
        let own = facts.iter().map(|f| {
            let (ty, money, options) = match &f.fact_type {
                FactType::Number => (Ty::Num, false, Vec::new()),
                FactType::Money => (Ty::Num, true, Vec::new()),
                FactType::Text => (Ty::Text, false, Vec::new()),
                FactType::Bool => (Ty::Bool, false, Vec::new()),
                FactType::Choice { options } => (Ty::Text, false, options.clone()),
            };
            Slot {
                name: f.name.clone(),
                ty,
                money,
                options,
            }
        });
        let auto = AUTOMATIC_FACTS.iter().map(|a| Slot {
            name: a.name.to_owned(),
            ty: a.ty,
            money: a.name == "customer.lifetime_value",
            options: Vec::new(),
        });
        Self {
            slots: own.chain(auto).collect(),
            supplied: facts.len(),
            currency: currency.to_owned(),
        }
    }

    pub(crate) fn slot(&self, name: &str) -> Option<(usize, &Slot)> {
        self.slots.iter().enumerate().find(|(_, s)| s.name == name)
    }

    /// Every fact name, the kind's own first.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.slots.iter().map(|s| s.name.as_str())
    }

    /// Build the facts of a decision from what the employee supplied (a JSON object of the
    /// kind's facts) and the automatic facts. Unknown and missing facts are errors that name
    /// the fact, so a typo never silently evaluates as something else.
    pub fn facts(
        &self,
        supplied: &Map<String, Json>,
        auto: &AutoFacts,
    ) -> Result<Facts, ValueError> {
        if let Some(unknown) = supplied
            .keys()
            .find(|k| !self.slots[..self.supplied].iter().any(|s| &s.name == *k))
        {
            let known = self.slots[..self.supplied]
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(ValueError::new(
                "facts",
                format!("{unknown:?} is not a fact of this kind; its facts are: {known}"),
            ));
        }
        let mut values = Vec::with_capacity(self.slots.len());
        for slot in &self.slots[..self.supplied] {
            let raw = supplied
                .get(&slot.name)
                .ok_or_else(|| ValueError::new("facts", format!("{:?} is missing", slot.name)))?;
            values.push(self.supplied_value(slot, raw)?);
        }
        values.extend(auto.values());
        Ok(Facts { values })
    }

    fn supplied_value(&self, slot: &Slot, raw: &Json) -> Result<Value, ValueError> {
        let wrong = |want: &str| {
            ValueError::new(
                "facts",
                format!("{:?} must be {want}, not {raw}", slot.name),
            )
        };
        match slot.ty {
            Ty::Num => {
                let n = match raw {
                    Json::Number(n) => n.as_f64(),
                    Json::String(s) => s.trim().parse::<f64>().ok(),
                    Json::Object(o) if slot.money => {
                        if let Some(currency) = o.get("currency").and_then(Json::as_str)
                            && currency != self.currency
                        {
                            return Err(ValueError::new(
                                "facts",
                                format!(
                                    "{:?} is in {currency}; this kind is decided in {}",
                                    slot.name, self.currency
                                ),
                            ));
                        }
                        o.get("amount").and_then(|a| match a {
                            Json::Number(n) => n.as_f64(),
                            Json::String(s) => s.trim().parse::<f64>().ok(),
                            _ => None,
                        })
                    }
                    _ => None,
                };
                let n = n
                    .filter(|n| n.is_finite() && n.abs() < 1e12)
                    .ok_or_else(|| wrong(if slot.money { "an amount" } else { "a number" }))?;
                if slot.money && n < 0.0 {
                    return Err(ValueError::new(
                        "facts",
                        format!("{:?} must not be negative", slot.name),
                    ));
                }
                Ok(Value::Num(n))
            }
            Ty::Bool => raw
                .as_bool()
                .map(Value::Bool)
                .ok_or_else(|| wrong("true or false")),
            Ty::Text => {
                let text = raw.as_str().ok_or_else(|| wrong("text"))?.trim();
                if text.chars().count() > 2000 {
                    return Err(ValueError::new(
                        "facts",
                        format!("{:?} is longer than 2000 characters", slot.name),
                    ));
                }
                if !slot.options.is_empty() && !slot.options.iter().any(|o| o == text) {
                    return Err(ValueError::new(
                        "facts",
                        format!(
                            "{:?} must be one of {}, not {text:?}",
                            slot.name,
                            slot.options.join(", ")
                        ),
                    ));
                }
                Ok(Value::Text(text.to_owned()))
            }
            Ty::TextList | Ty::NumList => Err(wrong("a single value")),
        }
    }

    /// Facts as they were recorded (every fact by name), for re-evaluating past decisions
    /// against another rule version. `Err` names a fact the record lacks or holds with the
    /// wrong type (the kind gained a fact after the decision).
    pub fn recorded(&self, recorded: &Map<String, Json>) -> Result<Facts, String> {
        let mut values = Vec::with_capacity(self.slots.len());
        for slot in &self.slots {
            let raw = recorded
                .get(&slot.name)
                .ok_or_else(|| format!("{} was not recorded", slot.name))?;
            let value = match (slot.ty, raw) {
                (Ty::Num, Json::Number(n)) => n.as_f64().map(Value::Num),
                (Ty::Text, Json::String(s)) => Some(Value::Text(s.clone())),
                (Ty::Bool, Json::Bool(b)) => Some(Value::Bool(*b)),
                (Ty::TextList, Json::Array(items)) => items
                    .iter()
                    .map(|i| i.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .map(Value::List),
                _ => None,
            };
            values.push(value.ok_or_else(|| format!("{} was recorded as {raw}", slot.name))?);
        }
        Ok(Facts { values })
    }

    /// The facts as a JSON object by name, as a decision records them.
    pub fn to_json(&self, facts: &Facts) -> Map<String, Json> {
        self.slots
            .iter()
            .zip(&facts.values)
            .map(|(slot, value)| {
                let json = serde_json::to_value(value).unwrap_or(Json::Null);
                (slot.name.clone(), json)
            })
            .collect()
    }
}

/// The values of one decision's facts, by slot.
#[derive(Clone, Debug, PartialEq)]
pub struct Facts {
    pub(crate) values: Vec<Value>,
}
