//! The product catalog that recommendations draw from (`catalog` in KV).
//!
//! Products may carry any extra field (item templates can show `{{item.brand}}`); the fields
//! Signpost itself uses are type-checked.

use crate::config::check::msg;
use crate::config::check::{index, join, parse_json, Checker, Issue, Issues};
use crate::config::grammar::{opt, req, Object, Shape};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The product catalog: products by id and by category, for recommendations and `item.*`.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    /// ISO 4217 code for the `money` filter.
    pub currency: String,
    /// Every product, in the catalog's order.
    pub products: Vec<Product>,
    by_id: BTreeMap<String, usize>,
    /// Product indexes per category, most popular first (ties: catalog order).
    by_category: BTreeMap<String, Vec<usize>>,
    /// Non-fatal findings, e.g. a complement that names no product.
    pub warnings: Vec<Issue>,
}

crate::snapshot::snap_struct!(Catalog {
    currency,
    products,
    by_id,
    by_category,
    warnings,
});
crate::snapshot::snap_struct!(Product {
    id,
    category,
    price,
    in_stock,
    popularity,
    complements,
    fields,
});

/// One product.
#[derive(Clone, Debug)]
pub struct Product {
    /// Its id.
    pub id: String,
    /// Its category, if any.
    pub category: Option<String>,
    /// Its price, if given.
    pub price: Option<f64>,
    /// Whether it can be bought now.
    pub in_stock: bool,
    /// Higher is more popular (orders products within a category).
    pub popularity: f64,
    /// Products that go with it, by id.
    pub complements: Vec<String>,
    /// Every field, for `item.*` in templates.
    pub fields: Map<String, Value>,
}

/// A catalog's top level (products may carry any field; see `parse_product`).
const TOP: Object = Object {
    fields: &[opt("currency", Shape::Value), req("products", Shape::Value)],
};

impl Catalog {
    /// An empty catalog (currency USD): what an engine runs with when none is published.
    pub fn empty() -> Catalog {
        Catalog {
            currency: "USD".into(),
            ..Default::default()
        }
    }

    /// Parses and checks a catalog, reporting every problem with its path.
    pub fn parse(json: &str) -> Result<Catalog, Issues> {
        let v = parse_json(json)?;
        let mut ck = Checker::default();
        let mut cat = Catalog::empty();
        if let Some(top) = ck.object(&v, "", &TOP) {
            if let Some(c) = top.get("currency") {
                if let Some(c) = ck.string(c, "currency") {
                    if c.len() == 3 && c.chars().all(|c| c.is_ascii_uppercase()) {
                        cat.currency = c.to_string();
                    } else {
                        ck.err(
                            "currency",
                            msg!("expected an ISO 4217 code such as \"USD\", found \"{c}\""),
                        );
                    }
                }
            }
            if let Some(products) = top.get("products").and_then(|p| ck.array(p, "products")) {
                for (i, p) in products.iter().enumerate() {
                    let path = index("products", i);
                    if let Some(prod) = parse_product(&mut ck, p, &path) {
                        if cat.by_id.contains_key(&prod.id) {
                            ck.err(
                                &join(&path, "id"),
                                msg!("duplicate product id \"{}\"", prod.id),
                            );
                            continue;
                        }
                        cat.by_id.insert(prod.id.clone(), cat.products.len());
                        cat.products.push(prod);
                    }
                }
            }
        }
        if !ck.issues.is_empty() {
            return Err(Issues(ck.issues));
        }
        for (i, p) in cat.products.iter().enumerate() {
            for (j, c) in p.complements.iter().enumerate() {
                if !cat.by_id.contains_key(c) {
                    cat.warnings.push(Issue {
                        path: index(&join(&index("products", i), "complements"), j),
                        message: msg!("no product has id \"{c}\"; it is skipped"),
                    });
                }
            }
        }
        for (i, p) in cat.products.iter().enumerate() {
            if let Some(c) = &p.category {
                cat.by_category.entry(c.clone()).or_default().push(i);
            }
        }
        let products = &cat.products;
        for list in cat.by_category.values_mut() {
            // Stable sort keeps catalog order among equally popular products.
            crate::profile::sort_desc_stable(list, &|i| products[i].popularity);
        }
        Ok(cat)
    }

    /// The product with this id.
    pub fn get(&self, id: &str) -> Option<&Product> {
        self.by_id.get(id).map(|i| &self.products[*i])
    }

    /// Products of a category, most popular first.
    pub fn in_category(&self, category: &str) -> impl Iterator<Item = &Product> {
        self.by_category
            .get(category)
            .into_iter()
            .flatten()
            .map(|i| &self.products[*i])
    }
}

fn parse_product(ck: &mut Checker, v: &Value, path: &str) -> Option<Product> {
    let m = ck.map(v, path)?;
    let before = ck.issues.len();
    let id = match m.get("id") {
        Some(id) => ck.string(id, &join(path, "id")).map(str::to_string),
        None => {
            ck.err(path, "missing required field \"id\"");
            None
        }
    };
    let opt_str = |ck: &mut Checker, k: &str| -> Option<String> {
        m.get(k)
            .and_then(|v| ck.string(v, &join(path, k)))
            .map(str::to_string)
    };
    let category = opt_str(ck, "category");
    for k in ["name", "url", "image"] {
        opt_str(ck, k);
    }
    let price = m
        .get("price")
        .and_then(|v| ck.number(v, &join(path, "price")));
    let in_stock = m
        .get("in_stock")
        .and_then(|v| ck.boolean(v, &join(path, "in_stock")))
        .unwrap_or(true);
    let popularity = m
        .get("popularity")
        .and_then(|v| ck.number(v, &join(path, "popularity")))
        .unwrap_or(0.0);
    let mut complements = Vec::new();
    if let Some(list) = m
        .get("complements")
        .and_then(|v| ck.array(v, &join(path, "complements")))
    {
        for (i, c) in list.iter().enumerate() {
            if let Some(c) = ck.string(c, &index(&join(path, "complements"), i)) {
                complements.push(c.to_string());
            }
        }
    }
    if ck.issues.len() > before {
        return None;
    }
    Some(Product {
        id: id?,
        category,
        price,
        in_stock,
        popularity,
        complements,
        fields: m.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_example_catalog() {
        let cat = Catalog::parse(include_str!("../examples/catalog.json")).unwrap();
        assert_eq!(cat.currency, "USD");
        assert_eq!(cat.products.len(), 22);
        assert!(cat.warnings.is_empty(), "{:?}", cat.warnings);
        let tents: Vec<&str> = cat.in_category("tents").map(|p| p.id.as_str()).collect();
        assert_eq!(
            tents,
            [
                "tent-family-6p",
                "tent-basecamp-4p",
                "tent-ultralight-1p",
                "tent-summit-2p"
            ]
        );
        assert!(!cat.get("tent-ultralight-1p").unwrap().in_stock);
    }

    #[test]
    fn reports_every_problem_with_its_path() {
        let err = Catalog::parse(
            r#"{"currency":"dollars","products":[{"id":"a"},{"name":"x"},{"id":"a"},{"id":"b","price":"cheap"}],"extra":1}"#,
        )
        .unwrap_err();
        let text = err.to_string();
        for needle in [
            "currency: expected an ISO 4217 code",
            "products[3].price: expected a number, found a string",
            "products[1]: missing required field \"id\"",
            "products[2].id: duplicate product id \"a\"",
            "extra: unknown field \"extra\"",
        ] {
            assert!(text.contains(needle), "{needle} not in {text}");
        }
    }

    #[test]
    fn unknown_complements_are_warnings() {
        let cat = Catalog::parse(r#"{"products":[{"id":"a","complements":["zz"]}]}"#).unwrap();
        assert_eq!(cat.warnings[0].path, "products[0].complements[0]");
    }
}
