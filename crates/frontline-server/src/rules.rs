//! Compiled guideline versions, cached per node by (rule, version, the kind's `updated_at`):
//! a version's text never changes and a kind's schema changes only with its `updated_at`, so
//! the cache is right on every node without invalidation. Held by the state; read by the
//! guidelines use cases.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use frontline_core::RuleId;
use frontline_core::guideline::{self, CompiledRule, DecisionKind};
use frontline_store::RuleVersion;

use crate::error::{AppError, Result};

/// Compiled rule versions, shared by every request of this node.
#[derive(Default)]
pub struct RuleCache {
    compiled: Mutex<HashMap<(RuleId, u32, i64), Arc<CompiledRule>>>,
}

impl std::fmt::Debug for RuleCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleCache").finish_non_exhaustive()
    }
}

impl RuleCache {
    /// The compiled form of a version for a kind. A version that no longer compiles (its kind
    /// lost a fact it reads) is an error naming the rule.
    pub fn compiled(&self, kind: &DecisionKind, rule: &RuleVersion) -> Result<Arc<CompiledRule>> {
        let key = (rule.rule_id, rule.version, kind.updated_at.as_millisecond());
        if let Some(hit) = self.lock().get(&key) {
            return Ok(hit.clone());
        }
        let expr = match &rule.expression {
            Some(source) => Some(guideline::compile(source, &kind.schema()).map_err(|e| {
                AppError::Conflict(format!(
                    "rule {:?} version {} no longer compiles against decision kind {}: {e}",
                    rule.name, rule.version, kind.key
                ))
            })?),
            None => None,
        };
        let compiled = Arc::new(CompiledRule {
            rule_id: rule.rule_id,
            version: rule.version,
            rule_type: rule.rule_type,
            name: Arc::from(rule.name.as_str()),
            text: Arc::from(rule.text.as_str()),
            expr,
        });
        let mut cache = self.lock();
        // Bounded: rules are few; a flood of edits just starts the cache afresh.
        if cache.len() > 10_000 {
            cache.clear();
        }
        cache.insert(key, compiled.clone());
        Ok(compiled)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(RuleId, u32, i64), Arc<CompiledRule>>> {
        // A panic while holding the lock leaves a map that is still valid.
        self.compiled.lock().unwrap_or_else(|p| p.into_inner())
    }
}
