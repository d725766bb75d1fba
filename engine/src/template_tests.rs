//! Template parsing and rendering, including the property that rendering equals a naive replace.

use super::*;
use proptest::prelude::*;

struct Vals(Vec<Option<Vec<u8>>>);

impl Lookup for Vals {
    fn get(&self, slot: u16) -> Option<&[u8]> {
        self.0.get(slot as usize).and_then(|v| v.as_deref())
    }
}

fn names(name: &str) -> Option<u16> {
    match name {
        "a" => Some(0),
        "cart_id" => Some(1),
        "user.name" => Some(2),
        _ => None,
    }
}

fn render(text: &str, escape: Escape, vals: &Vals) -> Result<String, Unset> {
    let t = Template::parse(text, escape, &mut names).unwrap();
    let mut out = Vec::new();
    t.render(vals, &mut fastrand::Rng::with_seed(7), &mut out)?;
    Ok(String::from_utf8(out).unwrap())
}

fn vals() -> Vals {
    Vals(vec![
        Some(b"A".to_vec()),
        Some(b"c-42".to_vec()),
        Some(b"Jo \"Q\" & co".to_vec()),
    ])
}

#[test]
fn fixed_bytes_are_not_parsed() {
    let bytes = b"\x00\xff $${a} ${a}";
    let t = Template::fixed(bytes);
    assert_eq!(t.as_literal(), Some(&bytes[..]));
    let mut out = Vec::new();
    t.render(&vals(), &mut fastrand::Rng::with_seed(7), &mut out)
        .unwrap();
    assert_eq!(out, bytes);
}

#[test]
fn variables_literals_and_escapes() {
    assert_eq!(
        render("/cart/${cart_id}/items?x=${a}", Escape::None, &vals()).unwrap(),
        "/cart/c-42/items?x=A"
    );
    assert_eq!(
        render("price: $5, ${ a }", Escape::None, &vals()).unwrap(),
        "price: $5, A"
    );
    assert_eq!(
        render("literal $${a}", Escape::None, &vals()).unwrap(),
        "literal ${a}"
    );
    assert_eq!(
        render(r#"{"n": "${user.name}"}"#, Escape::Json, &vals()).unwrap(),
        r#"{"n": "Jo \"Q\" & co"}"#
    );
    assert_eq!(
        render("n=${user.name}", Escape::Form, &vals()).unwrap(),
        "n=Jo+%22Q%22+%26+co"
    );
    let t = Template::parse("plain", Escape::None, &mut names).unwrap();
    assert_eq!(t.as_literal(), Some(&b"plain"[..]));
    let empty = Template::parse("", Escape::None, &mut names).unwrap();
    assert_eq!(empty.as_literal(), Some(&b""[..]));
}

#[test]
fn unset_variables_are_reported() {
    let v = Vals(vec![None, Some(b"x".to_vec())]);
    assert_eq!(render("${cart_id}${a}", Escape::None, &v), Err(Unset(0)));
}

#[test]
fn helpers() {
    let v = vals();
    let id = render("${uuid()}", Escape::None, &v).unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(&id[14..15], "4", "version 4: {id}");
    let n: i64 = render("${random_int(5, 7)}", Escape::None, &v)
        .unwrap()
        .parse()
        .unwrap();
    assert!((5..=7).contains(&n));
    let s = render("${random_string(12)}", Escape::None, &v).unwrap();
    assert!(s.len() == 12 && s.bytes().all(|b| b.is_ascii_alphanumeric()));
    let ms: u64 = render("${timestamp_ms()}", Escape::None, &v)
        .unwrap()
        .parse()
        .unwrap();
    assert!(ms > 1_700_000_000_000);
}

#[test]
fn errors_name_the_problem_and_position() {
    let e = |text: &str| Template::parse(text, Escape::None, &mut names).unwrap_err();
    assert_eq!(
        e("/x/${missing}").to_string(),
        "undefined variable `${missing}` (at position 3)"
    );
    assert_eq!(e("abc ${a").position, 4);
    assert!(e("${}").message.contains("empty"));
    assert!(e("${1x}").message.contains("not a variable name"));
    assert!(e("${random_int(9, 1)}").message.contains("above max"));
    assert!(e("${random_int(a, 1)}").message.contains("not an integer"));
    assert!(e("${nope()}").message.contains("unknown helper"));
    assert!(e("${uuid(}").message.contains("closing"));
}

proptest! {
    #[test]
    fn render_equals_naive_replace(pieces in proptest::collection::vec(("[a-z /?=&$]{0,6}", 0usize..3), 0..8),
                                   values in proptest::collection::vec("[a-zA-Z0-9]{0,5}", 3)) {
        // Build a template from literal pieces and variables, avoiding accidental `${` and `$${`.
        let var_names = ["a", "cart_id", "user.name"];
        let mut text = String::new();
        let mut expected = String::new();
        for (lit, var) in &pieces {
            let lit = lit.replace('$', "#");
            text.push_str(&lit);
            expected.push_str(&lit);
            text.push_str(&format!("${{{}}}", var_names[*var]));
            expected.push_str(&values[*var]);
        }
        let vals = Vals(values.iter().map(|v| Some(v.as_bytes().to_vec())).collect());
        prop_assert_eq!(render(&text, Escape::None, &vals).unwrap(), expected);
    }

    #[test]
    fn parse_never_panics(text in ".{0,40}") {
        let _ = Template::parse(&text, Escape::Json, &mut names);
    }
}
