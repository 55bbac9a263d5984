//! Aggregates and element fields for the expression generator.
//!
//! Aggregate arguments follow `check/aggregate.rs`: `sum`/`avg` take numbers or dynamic
//! properties, `min`/`max` numbers, strings, times or properties (a property's `min`/`max` is a
//! number), `first`/`last`/`nth`/`nth_last`/`distinct` anything but a string list. Filters are
//! conditions over the element's fields (and the customer's); an aggregate inside a filter is
//! nested, and its own filter may read the enclosing element as `outer.FIELD`.

use segflow::dsl::ir::*;
use segflow::dsl::types::Type;

use super::expr::ExprGen;

const COLLECTIONS: [Collection; 3] = [Collection::Orders, Collection::Items, Collection::Events];

impl ExprGen<'_, '_> {
    /// The fields of a collection; the event properties get a fresh random name.
    fn fields(&mut self, coll: Collection) -> Vec<ElementField> {
        use ElementField as E;
        match coll {
            Collection::Orders => [
                OrderField::Id,
                OrderField::PlacedAt,
                OrderField::Total,
                OrderField::Discount,
                OrderField::Status,
                OrderField::Channel,
                OrderField::Refunded,
                OrderField::NetTotal,
                OrderField::Counted,
            ]
            .map(E::Order)
            .to_vec(),
            Collection::Items => [
                ItemField::ProductId,
                ItemField::Title,
                ItemField::Category,
                ItemField::Quantity,
                ItemField::Price,
                ItemField::Tags,
                ItemField::PlacedAt,
            ]
            .map(E::Item)
            .to_vec(),
            Collection::Events => vec![
                E::Event(EventField::Type),
                E::Event(EventField::OccurredAt),
                E::Event(EventField::Prop(self.key())),
            ],
        }
    }

    /// A field of the current element with type `ty`, when inside a filter that has one; in a
    /// nested filter sometimes the enclosing element's (`outer.FIELD`).
    pub fn element_of(&mut self, ty: Type) -> Option<Expr> {
        if let Some(outer) = self.outer {
            if self.c.chance(40) {
                let fields: Vec<ElementField> = self
                    .fields(outer)
                    .into_iter()
                    .filter(|f| f.ty() == ty)
                    .collect();
                if !fields.is_empty() {
                    let f = self.c.pick(&fields);
                    let ty = f.ty();
                    return Some(Expr::new(ExprKind::Outer(f), ty));
                }
            }
        }
        let coll = self.scope?;
        let fields: Vec<ElementField> = self
            .fields(coll)
            .into_iter()
            .filter(|f| f.ty() == ty)
            .collect();
        if fields.is_empty() {
            return None;
        }
        let f = self.c.pick(&fields);
        let ty = f.ty();
        Some(Expr::new(ExprKind::Element(f), ty))
    }

    /// An aggregate whose checked type is `want`; called outside a filter or inside one that is
    /// not itself nested.
    pub fn aggregate(&mut self, want: Type, d: u32) -> Expr {
        let coll = match want {
            Type::Dynamic => Collection::Events,
            _ => self.c.pick(&COLLECTIONS),
        };
        let fields = self.fields(coll);
        let (func, arg) = match want {
            Type::Bool => (AggFunc::Exists, None),
            Type::Number => match self.c.below(6) {
                0 => (AggFunc::Count, None),
                1 | 2 => {
                    let func = self.c.pick(&[AggFunc::Sum, AggFunc::Avg]);
                    (
                        func,
                        self.field_where(&fields, |t| matches!(t, Type::Number | Type::Dynamic)),
                    )
                }
                3 => {
                    let func = self.c.pick(&[AggFunc::Min, AggFunc::Max]);
                    (
                        func,
                        self.field_where(&fields, |t| matches!(t, Type::Number | Type::Dynamic)),
                    )
                }
                4 => {
                    let n = 1 + self.c.below(3);
                    let func = self.c.pick(&[
                        AggFunc::First,
                        AggFunc::Last,
                        AggFunc::Nth(n),
                        AggFunc::NthLast(n),
                    ]);
                    (func, self.field_where(&fields, |t| t == Type::Number))
                }
                _ => (
                    AggFunc::Distinct,
                    self.field_where(&fields, |t| t != Type::StringList),
                ),
            },
            _ => {
                let n = 1 + self.c.below(3);
                let func = self.c.pick(&[
                    AggFunc::Min,
                    AggFunc::Max,
                    AggFunc::First,
                    AggFunc::Last,
                    AggFunc::Nth(n),
                    AggFunc::NthLast(n),
                ]);
                let func = match (want, func) {
                    (Type::Dynamic, AggFunc::Min) => AggFunc::First,
                    (Type::Dynamic, AggFunc::Max) => AggFunc::Last,
                    _ => func,
                };
                (func, self.field_where(&fields, |t| t == want))
            }
        };
        // A collection without a fitting field (events have no number field but properties)
        // falls back to a count, which every collection has.
        let (func, arg) = match (func, arg) {
            (AggFunc::Exists | AggFunc::Count, _) => (func, None),
            (_, Some(f)) => (func, Some(f)),
            (_, None) => (AggFunc::Count, None),
        };
        let ty = match (func, &arg) {
            (AggFunc::Exists, _) => Type::Bool,
            (AggFunc::Count | AggFunc::Sum | AggFunc::Avg | AggFunc::Distinct, _) => Type::Number,
            (AggFunc::Min | AggFunc::Max, Some(f)) if f.ty() == Type::Dynamic => Type::Number,
            (_, Some(f)) => f.ty(),
            (_, None) => Type::Number,
        };
        let filter = if self.c.chance(70) {
            let saved = (self.scope, self.outer);
            self.outer = self.scope;
            self.scope = Some(coll);
            let filter = self.cond(d);
            (self.scope, self.outer) = saved;
            Some(Box::new(filter))
        } else {
            None
        };
        let within = self.c.maybe(40, |c| {
            let days = c.pick(&[0, 1, 7, 30, 90, 365]);
            days * super::vocab::DAY + c.pick(&[0, 0, super::vocab::HOUR])
        });
        let agg = Aggregate {
            collection: coll,
            filter,
            within,
            func,
            arg,
        };
        Expr::new(ExprKind::Aggregate(agg), ty)
    }

    fn field_where(
        &mut self,
        fields: &[ElementField],
        ok: impl Fn(Type) -> bool,
    ) -> Option<ElementField> {
        let fitting: Vec<ElementField> = fields.iter().filter(|f| ok(f.ty())).cloned().collect();
        if fitting.is_empty() {
            return None;
        }
        Some(self.c.pick(&fitting))
    }
}
