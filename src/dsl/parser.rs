//! The binding to the pest grammar in `grammar/segflow.pest`: text in, AST or a syntax
//! diagnostic out.
//!
//! This is the only module that imports pest. Merchant input is bounded before pest sees it
//! (length, bracket nesting, and pest's call limit) and the tree is bounded while it is built
//! (see `bounds`), so a hostile or accidental rule cannot make the parser, or anything that walks
//! the tree after it, recurse or run without end; the parser never panics on any input.

use pest::iterators::Pair;
use pest::Parser as _;

use super::ast::{Arg, BinaryOp, Ident, Node, NodeKind};
use super::diagnostic::{Code, Diagnostic};
use super::literal;
use super::span::{OffsetMap, Span};

mod bounds;

use bounds::{args_depth, depth, too_deep};
pub use bounds::{MAX_DEPTH, MAX_LEN, MAX_TREE_DEPTH};

/// pest's bound on rule calls for one parse; far above any real rule.
const CALL_LIMIT: usize = 2_000_000;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/segflow.pest"]
struct Grammar;

/// Parses one expression. `map` turns offsets in `src` into offsets in the file it came from.
pub fn parse(src: &str, map: &OffsetMap) -> Result<Node, Diagnostic> {
    bounds::check_text(src, map)?;
    pest::set_call_limit(std::num::NonZeroUsize::new(CALL_LIMIT));
    let mut pairs = Grammar::parse(Rule::condition, src).map_err(|e| syntax_error(src, map, e))?;
    let condition = pairs.next().ok_or_else(|| empty(src, map))?;
    let expr = condition
        .into_inner()
        .find(|p| p.as_rule() == Rule::expr)
        .ok_or_else(|| empty(src, map))?;
    let node = Builder { map }.expr(expr)?;
    // The chains are measured as they are built; constructs between them (comparisons, lists,
    // calls) add a level each, so the whole tree is measured once more.
    if depth(&node) > MAX_TREE_DEPTH {
        return Err(too_deep(node.span));
    }
    Ok(node)
}

fn empty(src: &str, map: &OffsetMap) -> Diagnostic {
    Diagnostic::new(
        Code::Syntax,
        "the condition is empty",
        map.span(0, src.len()),
        "expected a condition here",
    )
    .with_help("write a condition such as `orders.count() >= 3`")
}

fn syntax_error(src: &str, map: &OffsetMap, e: pest::error::Error<Rule>) -> Diagnostic {
    let pos = match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let rest = &src[pos.min(src.len())..];
    let token_len = rest
        .char_indices()
        .find(|(_, c)| c.is_whitespace())
        .map_or(rest.len(), |(i, _)| i)
        .max(rest.chars().next().map_or(0, char::len_utf8));
    let span = map.span(pos, pos + token_len);
    let expected = match &e.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => describe(positives),
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
    };
    let found = if rest.is_empty() {
        "the end of the condition".to_string()
    } else {
        format!("`{}`", excerpt(&rest[..token_len]))
    };
    let diag = Diagnostic::new(
        Code::Syntax,
        format!("unexpected {found}"),
        span,
        format!("expected {expected}"),
    );
    match hint(rest) {
        Some(h) => diag.with_help(h),
        None => diag,
    }
}

/// At most 40 characters of an unexpected token, so that a message stays one readable line even
/// when the token is a long run of brackets; the span still underlines all of it.
fn excerpt(token: &str) -> String {
    const MAX_CHARS: usize = 40;
    match token.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &token[..cut]),
        None => token.to_string(),
    }
}

/// Common slips from other languages, with the segflow spelling.
fn hint(rest: &str) -> Option<&'static str> {
    if rest.starts_with("&&") {
        Some("write `and` instead of `&&`")
    } else if rest.starts_with("||") {
        Some("write `or` instead of `||`")
    } else if rest.starts_with('=') && !rest.starts_with("==") {
        Some("compare with `==`; a single `=` is not an operator")
    } else if rest.starts_with('!') && !rest.starts_with("!=") {
        Some("write `not` to negate a condition")
    } else if rest.starts_with('"') || rest.starts_with('\'') {
        Some("a string must be closed on the same line with the quote it started with")
    } else {
        None
    }
}

fn describe(rules: &[Rule]) -> String {
    let mut words: Vec<&str> = Vec::new();
    for rule in rules {
        let word = match rule {
            Rule::EOI => "the end of the condition",
            Rule::or_op | Rule::and_op => "`and` or `or`",
            Rule::compare_op
            | Rule::compare_tail
            | Rule::between_tail
            | Rule::is_null_tail
            | Rule::not_in_tail => "a comparison such as `==`, `>`, `in`",
            Rule::sum_op | Rule::term_op => "an arithmetic operator",
            Rule::method_call => "a method such as `.count()`",
            Rule::ident | Rule::path | Rule::call => "a name",
            Rule::expr
            | Rule::not_expr
            | Rule::comparison
            | Rule::sum
            | Rule::term
            | Rule::unary
            | Rule::postfix
            | Rule::number
            | Rule::string
            | Rule::duration
            | Rule::date
            | Rule::timestamp
            | Rule::boolean
            | Rule::null
            | Rule::list
            | Rule::paren => "a value",
            Rule::kw_and => "`and`",
            Rule::kw_null => "`null`",
            Rule::kw_in => "`in`",
            Rule::within => "`within`",
            Rule::since => "`since`",
            _ => "something else",
        };
        if !words.contains(&word) {
            words.push(word);
        }
    }
    // An unmapped rule says nothing useful when there are mapped ones beside it.
    if words.len() > 1 {
        words.retain(|w| *w != "something else");
    }
    match words.len() {
        0 => "something else".into(),
        1 => words[0].into(),
        _ => {
            let last = words.pop().unwrap_or_default();
            format!("{} or {}", words.join(", "), last)
        }
    }
}

struct Builder<'m> {
    map: &'m OffsetMap,
}

type Built = Result<Node, Diagnostic>;

impl Builder<'_> {
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        self.map.span(s.start(), s.end())
    }

    /// `expr = not_expr (bool_op not_expr)*`, with `and` binding tighter than `or`.
    fn expr(&self, pair: Pair<Rule>) -> Built {
        let mut or_terms: Vec<Deep> = Vec::new();
        let mut current: Option<Deep> = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::not_expr => {
                    let rhs = Deep::measure(self.not_expr(p)?);
                    current = Some(match current.take() {
                        None => rhs,
                        Some(lhs) => lhs.join(BinaryOp::And, rhs)?,
                    });
                }
                Rule::or_op => or_terms.extend(current.take()),
                _ => {}
            }
        }
        or_terms.extend(current);
        let mut terms = or_terms.into_iter();
        let first = terms
            .next()
            .ok_or_else(|| self.internal("empty expression"))?;
        let all = terms.try_fold(first, |lhs, rhs| lhs.join(BinaryOp::Or, rhs))?;
        Ok(all.node)
    }

    fn not_expr(&self, pair: Pair<Rule>) -> Built {
        let mut nots = Vec::new();
        let mut inner = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::not_op => nots.push(self.span(&p)),
                _ => inner = Some(self.comparison(p)?),
            }
        }
        let mut node = Deep::measure(inner.ok_or_else(|| self.internal("missing operand of not"))?);
        for not_span in nots.into_iter().rev() {
            node = node.wrap(not_span, NodeKind::Not)?;
        }
        Ok(node.node)
    }

    fn comparison(&self, pair: Pair<Rule>) -> Built {
        let mut inner = pair.into_inner();
        let lhs_pair = inner
            .next()
            .ok_or_else(|| self.internal("missing operand"))?;
        let lhs = self.sum(lhs_pair)?;
        let Some(tail) = inner.next() else {
            return Ok(lhs);
        };
        let tail_span = self.span(&tail);
        let span = lhs.span.to(tail_span);
        let rule = tail.as_rule();
        let mut parts = tail.into_inner().filter(|p| {
            !matches!(
                p.as_rule(),
                Rule::kw_between
                    | Rule::kw_and
                    | Rule::kw_is
                    | Rule::kw_null
                    | Rule::kw_not
                    | Rule::kw_in
            )
        });
        let kind = match rule {
            Rule::between_tail => {
                let low = self.sum(parts.next().ok_or_else(|| self.internal("between"))?)?;
                let high = self.sum(parts.next().ok_or_else(|| self.internal("between"))?)?;
                NodeKind::Between {
                    expr: Box::new(lhs),
                    low: Box::new(low),
                    high: Box::new(high),
                }
            }
            Rule::is_null_tail => NodeKind::IsNull {
                expr: Box::new(lhs),
                negated: parts.any(|p| p.as_rule() == Rule::is_not),
            },
            Rule::not_in_tail => {
                let rhs = self.sum(parts.next().ok_or_else(|| self.internal("not in"))?)?;
                NodeKind::Binary(BinaryOp::NotIn, Box::new(lhs), Box::new(rhs))
            }
            _ => {
                let op_pair = parts.next().ok_or_else(|| self.internal("operator"))?;
                let op = match op_pair.as_str() {
                    "==" => BinaryOp::Eq,
                    "!=" => BinaryOp::Ne,
                    "<=" => BinaryOp::Le,
                    ">=" => BinaryOp::Ge,
                    "<" => BinaryOp::Lt,
                    ">" => BinaryOp::Gt,
                    "in" => BinaryOp::In,
                    _ => BinaryOp::Contains,
                };
                let rhs = self.sum(parts.next().ok_or_else(|| self.internal("operand"))?)?;
                NodeKind::Binary(op, Box::new(lhs), Box::new(rhs))
            }
        };
        Ok(Node::new(kind, span))
    }

    /// `sum` and `term` are left-associative chains of one precedence level each.
    fn sum(&self, pair: Pair<Rule>) -> Built {
        let mut node: Option<Deep> = None;
        let mut op = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::sum_op | Rule::term_op => {
                    op = Some(match p.as_str() {
                        "+" => BinaryOp::Add,
                        "-" => BinaryOp::Sub,
                        "*" => BinaryOp::Mul,
                        _ => BinaryOp::Div,
                    })
                }
                Rule::term => node = Some(chain(node, op.take(), self.sum(p)?)?),
                Rule::unary => node = Some(chain(node, op.take(), self.unary(p)?)?),
                _ => {}
            }
        }
        node.map(|n| n.node)
            .ok_or_else(|| self.internal("empty arithmetic"))
    }

    fn unary(&self, pair: Pair<Rule>) -> Built {
        let mut negs = Vec::new();
        let mut inner = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::neg => negs.push(self.span(&p)),
                _ => inner = Some(self.postfix(p)?),
            }
        }
        let mut node = Deep::measure(inner.ok_or_else(|| self.internal("missing operand of -"))?);
        for neg in negs.into_iter().rev() {
            node = node.wrap(neg, NodeKind::Neg)?;
        }
        Ok(node.node)
    }

    fn postfix(&self, pair: Pair<Rule>) -> Built {
        let mut inner = pair.into_inner();
        let first = inner.next().ok_or_else(|| self.internal("missing value"))?;
        let mut node = self.primary(first)?;
        let mut node_depth = depth(&node);
        for call in inner {
            let span = node.span.to(self.span(&call));
            let mut parts = call.into_inner();
            let name_pair = parts.next().ok_or_else(|| self.internal("method name"))?;
            let name = self.ident(&name_pair);
            let args = match parts.next() {
                Some(args) => self.args(args)?,
                None => Vec::new(),
            };
            node_depth = node_depth.max(args_depth(&args)) + 1;
            if node_depth > MAX_TREE_DEPTH {
                return Err(too_deep(span));
            }
            node = Node::new(
                NodeKind::Method {
                    target: Box::new(node),
                    name,
                    args,
                },
                span,
            );
        }
        Ok(node)
    }

    fn ident(&self, pair: &Pair<Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(pair),
        }
    }

    fn args(&self, pair: Pair<Rule>) -> Result<Vec<Arg>, Diagnostic> {
        pair.into_inner()
            .map(|p| match p.as_rule() {
                Rule::within => {
                    let span = self.span(&p);
                    let value = p
                        .into_inner()
                        .find(|q| q.as_rule() == Rule::sum)
                        .ok_or_else(|| self.internal("within"))?;
                    Ok(Arg::Within {
                        value: self.sum(value)?,
                        span,
                    })
                }
                Rule::since => {
                    let span = self.span(&p);
                    let value = p
                        .into_inner()
                        .find(|q| q.as_rule() == Rule::sum)
                        .ok_or_else(|| self.internal("since"))?;
                    Ok(Arg::Since {
                        value: self.sum(value)?,
                        span,
                    })
                }
                _ => Ok(Arg::Expr(self.expr(p)?)),
            })
            .collect()
    }

    fn primary(&self, pair: Pair<Rule>) -> Built {
        let span = self.span(&pair);
        let text = pair.as_str();
        let bad = |what: &str, help: &str| {
            Diagnostic::new(
                Code::BadLiteral,
                format!("invalid {what} `{text}`"),
                span,
                format!("not a valid {what}"),
            )
            .with_help(help.to_string())
        };
        let kind = match pair.as_rule() {
            Rule::paren => {
                let inner = pair.into_inner().next().ok_or_else(|| self.internal("()"))?;
                let mut node = self.expr(inner)?;
                node.span = span;
                return Ok(node);
            }
            Rule::list => NodeKind::List(
                pair.into_inner()
                    .map(|p| self.expr(p))
                    .collect::<Result<_, _>>()?,
            ),
            Rule::number => NodeKind::Number(
                text.parse()
                    .map_err(|_| bad("number", "write numbers like 42 or 49.99"))?,
            ),
            Rule::string => {
                let inner = pair.into_inner().next().map_or("", |p| p.as_str());
                NodeKind::String(literal::unescape(inner))
            }
            Rule::boolean => NodeKind::Bool(text == "true"),
            Rule::null => NodeKind::Null,
            Rule::duration => NodeKind::Duration(literal::duration(text).ok_or_else(|| {
                bad("duration", "a duration is a whole number followed by ms, s, m, h, d or w, such as 90d, and at most 36500d")
            })?),
            Rule::date => NodeKind::Date(
                literal::date(text)
                    .ok_or_else(|| bad("date", "dates are written YYYY-MM-DD and must exist, such as 2026-01-31"))?,
            ),
            Rule::timestamp => NodeKind::Timestamp(literal::timestamp(text).ok_or_else(|| {
                bad("timestamp", "timestamps are written 2026-01-31T10:00:00Z, with an optional offset such as +02:00")
            })?),
            Rule::call => {
                let mut inner = pair.into_inner();
                let name_pair = inner.next().ok_or_else(|| self.internal("call name"))?;
                let name = self.ident(&name_pair);
                let args = match inner.next() {
                    Some(args) => self.args(args)?,
                    None => Vec::new(),
                };
                NodeKind::Call { name, args }
            }
            Rule::path => NodeKind::Path(pair.into_inner().map(|p| self.ident(&p)).collect()),
            _ => return Err(self.internal("unknown primary")),
        };
        Ok(Node::new(kind, span))
    }

    /// A grammar and builder out of step: a bug in segflow, reported instead of a panic.
    fn internal(&self, what: &str) -> Diagnostic {
        Diagnostic::new(
            Code::Syntax,
            format!("internal parser error ({what})"),
            Span::default(),
            "here",
        )
        .with_help("this is a bug in segflow; please report it with the condition that caused it")
    }
}

/// A node with the depth of its tree, so that chains are measured as they grow instead of
/// being walked again at every step.
struct Deep {
    node: Node,
    depth: usize,
}

impl Deep {
    fn measure(node: Node) -> Deep {
        let depth = depth(&node);
        Deep { node, depth }
    }

    /// `self OP rhs`, or a diagnostic when that is one level too deep.
    fn join(self, op: BinaryOp, rhs: Deep) -> Result<Deep, Diagnostic> {
        let depth = self.depth.max(rhs.depth) + 1;
        let span = self.node.span.to(rhs.node.span);
        if depth > MAX_TREE_DEPTH {
            return Err(too_deep(span));
        }
        let kind = NodeKind::Binary(op, Box::new(self.node), Box::new(rhs.node));
        Ok(Deep {
            node: Node::new(kind, span),
            depth,
        })
    }

    /// A prefix operator written at `op_span` applied to `self`.
    fn wrap(self, op_span: Span, kind: fn(Box<Node>) -> NodeKind) -> Result<Deep, Diagnostic> {
        let span = op_span.to(self.node.span);
        if self.depth >= MAX_TREE_DEPTH {
            return Err(too_deep(span));
        }
        Ok(Deep {
            node: Node::new(kind(Box::new(self.node)), span),
            depth: self.depth + 1,
        })
    }
}

/// The next operand of a left-associative arithmetic chain.
fn chain(lhs: Option<Deep>, op: Option<BinaryOp>, rhs: Node) -> Result<Deep, Diagnostic> {
    let rhs = Deep::measure(rhs);
    match (lhs, op) {
        (Some(lhs), Some(op)) => lhs.join(op, rhs),
        _ => Ok(rhs),
    }
}
