//! The k6 threshold grammar: a metric selector `name{tag:value,...}` and conditions like
//! `p(95)<500`, `rate<0.01`, `count>100`, `avg<=200`. Errors say where the text went wrong.

use std::fmt;

/// How a metric is summarised before comparing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Agg {
    /// Mean (trends).
    Avg,
    /// Minimum (trends).
    Min,
    /// Median (trends).
    Med,
    /// Maximum (trends).
    Max,
    /// Percentile in (0, 100] (trends).
    P(f64),
    /// Share of true (rates); per second (counters).
    Rate,
    /// Total (counters).
    Count,
    /// Latest value (gauges).
    Value,
}

impl fmt::Display for Agg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Agg::Avg => write!(f, "avg"),
            Agg::Min => write!(f, "min"),
            Agg::Med => write!(f, "med"),
            Agg::Max => write!(f, "max"),
            Agg::P(p) => write!(f, "p({p})"),
            Agg::Rate => write!(f, "rate"),
            Agg::Count => write!(f, "count"),
            Agg::Value => write!(f, "value"),
        }
    }
}

/// Comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl Op {
    /// Applies the comparison.
    pub fn holds(self, observed: f64, bound: f64) -> bool {
        match self {
            Op::Lt => observed < bound,
            Op::Le => observed <= bound,
            Op::Gt => observed > bound,
            Op::Ge => observed >= bound,
            Op::Eq => observed == bound,
            Op::Ne => observed != bound,
        }
    }

    /// Whether the comparison holds for every true value at or above `lower_bound` (an observed
    /// value that is only a lower bound, because requests behind it were given up on): `<`, `<=`
    /// and `==` can never be shown, `>` and `>=` hold when the bound does, `!=` when the compared
    /// value lies below the bound.
    pub fn holds_from(self, lower_bound: f64, bound: f64) -> bool {
        match self {
            Op::Lt | Op::Le | Op::Eq => false,
            Op::Gt | Op::Ge => self.holds(lower_bound, bound),
            Op::Ne => bound < lower_bound,
        }
    }
}

/// A parsed condition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Condition {
    /// Aggregation.
    pub agg: Agg,
    /// Comparison.
    pub op: Op,
    /// Bound (milliseconds for durations).
    pub value: f64,
}

/// A parsed metric selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    /// Metric name.
    pub metric: String,
    /// Tag filters, in order.
    pub tags: Vec<(String, String)>,
}

/// A parse error: what, and where (byte offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset in the text.
    pub position: usize,
    /// What was expected.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at position {}", self.message, self.position)
    }
}

fn err(position: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        position,
        message: message.into(),
    }
}

/// Parses `p(95)<500`-style conditions.
pub fn condition(text: &str) -> Result<Condition, ParseError> {
    let s = text.as_bytes();
    let mut i = 0;
    let skip = |i: &mut usize| {
        while *i < s.len() && s[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    skip(&mut i);
    let start = i;
    while i < s.len() && s[i].is_ascii_alphabetic() {
        i += 1;
    }
    let word = &text[start..i];
    let agg = match word {
        "avg" => Agg::Avg,
        "min" => Agg::Min,
        "med" => Agg::Med,
        "max" => Agg::Max,
        "rate" => Agg::Rate,
        "count" => Agg::Count,
        "value" => Agg::Value,
        "p" => {
            if s.get(i) != Some(&b'(') {
                return Err(err(i, "expected `(` after `p`, as in p(95)"));
            }
            let open = i + 1;
            let Some(close) = text[open..].find(')') else {
                return Err(err(text.len(), "expected `)` to close p("));
            };
            let inner = text[open..open + close].trim();
            let p: f64 = inner.parse().map_err(|_| err(open, format!("{inner:?} is not a percentile")))?;
            if !(p > 0.0 && p <= 100.0) {
                return Err(err(open, format!("percentile must be within (0, 100], got {p}")));
            }
            i = open + close + 1;
            Agg::P(p)
        }
        "" => return Err(err(start, "expected an aggregation: avg, min, med, max, p(N), rate, count or value")),
        other => {
            return Err(err(start, format!("unknown aggregation {other:?}; expected avg, min, med, max, p(N), rate, count or value")))
        }
    };
    skip(&mut i);
    let (op, len) = match &s[i.min(s.len())..] {
        [b'<', b'=', ..] => (Op::Le, 2),
        [b'>', b'=', ..] => (Op::Ge, 2),
        [b'=', b'=', ..] => (Op::Eq, 2),
        [b'!', b'=', ..] => (Op::Ne, 2),
        [b'<', ..] => (Op::Lt, 1),
        [b'>', ..] => (Op::Gt, 1),
        _ => return Err(err(i, "expected a comparison: <, <=, >, >=, == or !=")),
    };
    i += len;
    skip(&mut i);
    let rest = text[i..].trim_end();
    if rest.is_empty() {
        return Err(err(i, "expected a number after the comparison"));
    }
    let value: f64 = rest
        .parse()
        .map_err(|_| err(i, format!("{rest:?} is not a number")))?;
    if !value.is_finite() {
        return Err(err(i, "the bound must be finite"));
    }
    Ok(Condition { agg, op, value })
}

/// Parses `http_req_duration{name:checkout,method:POST}`.
pub fn selector(text: &str) -> Result<Selector, ParseError> {
    let text_trim = text.trim_end();
    let (metric, rest, brace) = match text_trim.find('{') {
        Some(b) => (&text_trim[..b], &text_trim[b..], b),
        None => (text_trim, "", text_trim.len()),
    };
    let metric = metric.trim();
    if metric.is_empty()
        || !metric
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(err(0, format!("{metric:?} is not a metric name")));
    }
    let mut tags = Vec::new();
    if !rest.is_empty() {
        let Some(inner) = rest.strip_prefix('{').and_then(|r| r.strip_suffix('}')) else {
            return Err(err(text_trim.len(), "expected `}` to close the tag filter"));
        };
        let mut offset = brace + 1;
        for part in inner.split(',') {
            let Some((k, v)) = part.split_once(':') else {
                return Err(err(
                    offset,
                    format!("expected tag:value, got {:?}", part.trim()),
                ));
            };
            let (k, v) = (k.trim(), v.trim());
            if k.is_empty() || v.is_empty() {
                return Err(err(
                    offset,
                    format!("expected tag:value, got {:?}", part.trim()),
                ));
            }
            tags.push((k.to_string(), v.to_string()));
            offset += part.len() + 1;
        }
    }
    Ok(Selector {
        metric: metric.to_string(),
        tags,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lower_bound_holds_only_what_every_larger_value_holds() {
        // p(90) ≥ 310 ms: "< 250" and "< 500" cannot be shown, "> 100" can.
        assert!(!Op::Lt.holds_from(310.0, 250.0));
        assert!(!Op::Lt.holds_from(310.0, 500.0));
        assert!(!Op::Le.holds_from(310.0, 500.0));
        assert!(!Op::Eq.holds_from(310.0, 310.0));
        assert!(Op::Gt.holds_from(310.0, 100.0));
        assert!(!Op::Gt.holds_from(310.0, 400.0));
        assert!(Op::Ge.holds_from(310.0, 310.0));
        assert!(Op::Ne.holds_from(310.0, 100.0));
        assert!(!Op::Ne.holds_from(310.0, 400.0));
    }

    #[test]
    fn conditions() {
        assert_eq!(
            condition("p(95)<500").unwrap(),
            Condition {
                agg: Agg::P(95.0),
                op: Op::Lt,
                value: 500.0
            }
        );
        assert_eq!(
            condition(" p( 99.9 ) <= 1.5 ").unwrap(),
            Condition {
                agg: Agg::P(99.9),
                op: Op::Le,
                value: 1.5
            }
        );
        assert_eq!(condition("rate<0.01").unwrap().agg, Agg::Rate);
        assert_eq!(condition("count>=100").unwrap().op, Op::Ge);
        assert_eq!(condition("avg==3").unwrap().op, Op::Eq);
        assert_eq!(condition("max!=0").unwrap().op, Op::Ne);
    }

    #[test]
    fn condition_errors_point_at_the_problem() {
        assert_eq!(condition("p(95<500").unwrap_err().position, 8);
        assert_eq!(condition("p95<500").unwrap_err().position, 1);
        assert_eq!(condition("p(95)=500").unwrap_err().position, 5);
        assert!(condition("p(95)<").unwrap_err().message.contains("number"));
        assert!(condition("p(95)<fast")
            .unwrap_err()
            .message
            .contains("\"fast\" is not a number"));
        assert!(condition("mean<3")
            .unwrap_err()
            .message
            .contains("unknown aggregation \"mean\""));
        assert!(condition("p(0)<3")
            .unwrap_err()
            .message
            .contains("within (0, 100]"));
        assert!(condition("")
            .unwrap_err()
            .message
            .contains("expected an aggregation"));
    }

    #[test]
    fn selectors() {
        assert_eq!(
            selector("http_reqs").unwrap(),
            Selector {
                metric: "http_reqs".into(),
                tags: vec![]
            }
        );
        let s = selector("http_req_duration{name:add to cart, method:POST}").unwrap();
        assert_eq!(
            s.tags,
            vec![
                ("name".into(), "add to cart".into()),
                ("method".into(), "POST".into())
            ]
        );
        assert_eq!(
            selector("http_req_duration{name:x").unwrap_err().message,
            "expected `}` to close the tag filter"
        );
        assert!(selector("http_req_duration{name}")
            .unwrap_err()
            .message
            .contains("tag:value"));
        assert!(selector("bad name")
            .unwrap_err()
            .message
            .contains("not a metric name"));
    }
}
