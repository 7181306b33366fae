//! Cross-reference checks that need the whole test: every location named
//! in the init block, the `locations` line or the condition must refer to
//! an existing thread and a known variable, so a typo in a condition is
//! reported instead of silently reading 0.

use std::collections::BTreeSet;

use crate::ast::{Arch, CondExpr, LitmusTest, LocRef, Reg, Span, ThreadCode};
use crate::error::ParseError;

/// What a location reference is allowed to name.
struct Scope<'t> {
    arch: Arch,
    threads: usize,
    /// Shared variables some thread touches (X86) or declares (C), plus
    /// those the init block names.
    vars: BTreeSet<&'t str>,
    /// C only: registers each thread writes, plus init registers.
    c_registers: Vec<BTreeSet<&'t str>>,
}

impl<'t> Scope<'t> {
    fn new(test: &'t LitmusTest) -> Self {
        let mut vars = BTreeSet::new();
        let mut c_registers = vec![BTreeSet::new(); test.threads.len()];
        for thread in &test.threads {
            match &thread.code {
                ThreadCode::X86(instrs) => {
                    vars.extend(instrs.iter().filter_map(|i| i.node.var()));
                }
                ThreadCode::C(c) => {
                    vars.extend(c.params.iter().map(|p| p.name.as_str()));
                    if let Some(regs) = c_registers.get_mut(thread.id) {
                        regs.extend(c.registers());
                    }
                }
            }
        }
        for item in &test.init {
            match &item.loc {
                LocRef::Var(v) => {
                    vars.insert(v.as_str());
                }
                LocRef::Reg {
                    thread,
                    reg: Reg::C(r),
                } => {
                    if let Some(regs) = c_registers.get_mut(*thread) {
                        regs.insert(r.as_str());
                    }
                }
                LocRef::Reg { .. } => {}
            }
        }
        Scope {
            arch: test.arch,
            threads: test.threads.len(),
            vars,
            c_registers,
        }
    }

    /// Checks the thread number of a register reference.
    fn check_thread(&self, loc: &LocRef, span: Span) -> Result<(), ParseError> {
        if let LocRef::Reg { thread, .. } = loc {
            if *thread >= self.threads {
                let last = self.threads.saturating_sub(1);
                return Err(ParseError::invalid(
                    format!(
                        "thread {thread} does not exist: the test has {} thread{} (P0..P{last})",
                        self.threads,
                        if self.threads == 1 { "" } else { "s" }
                    ),
                    &loc.to_string(),
                    span,
                ));
            }
        }
        Ok(())
    }

    /// Checks a location read by the `locations` line or the condition.
    fn check_observed(&self, loc: &LocRef, span: Span) -> Result<(), ParseError> {
        self.check_thread(loc, span)?;
        match loc {
            LocRef::Var(v) if !self.vars.contains(v.as_str()) => Err(ParseError::invalid(
                match self.arch {
                    Arch::X86 => {
                        format!("variable `{v}` is not used by any thread or set in the init block")
                    }
                    Arch::C => format!(
                        "variable `{v}` is not a parameter of any thread nor set in the init block"
                    ),
                },
                &loc.to_string(),
                span,
            )),
            LocRef::Reg {
                thread,
                reg: Reg::C(r),
            } if !self
                .c_registers
                .get(*thread)
                .is_some_and(|regs| regs.contains(r.as_str())) =>
            {
                Err(ParseError::invalid(
                    format!("register `{r}` is not declared in P{thread}"),
                    &loc.to_string(),
                    span,
                ))
            }
            _ => Ok(()),
        }
    }

    fn check_condition(&self, expr: &CondExpr) -> Result<(), ParseError> {
        match expr {
            CondExpr::Atom { loc, span, .. } => self.check_observed(loc, *span),
            CondExpr::And(parts) | CondExpr::Or(parts) => {
                parts.iter().try_for_each(|p| self.check_condition(p))
            }
        }
    }
}

/// Runs every cross-reference check on a fully parsed test.
pub(crate) fn validate(test: &LitmusTest) -> Result<(), ParseError> {
    let scope = Scope::new(test);
    for item in &test.init {
        scope.check_thread(&item.loc, item.span)?;
    }
    for loc in &test.locations {
        scope.check_observed(&loc.node, loc.span)?;
    }
    scope.check_condition(&test.condition.expr)
}
