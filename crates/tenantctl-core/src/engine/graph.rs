//! Building an operation: steps with an observe, an apply and an optional undo, wired by
//! typed handles.
//!
//! [`Graph::add`] returns a [`Handle<T>`] for the step's output. A later step names the
//! handles it needs as its dependencies and receives their outputs, typed, as arguments. A
//! handle only exists for a step already added, so a graph cannot have a cycle or a
//! dependency on a step that is not there.

use std::any::Any;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
/// A finished step's output, shared with every step that needs it.
pub(crate) type Value = Arc<dyn Any + Send + Sync>;

/// What a step's observe found: nothing to do, or what it would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observation<T, C> {
    /// The step's work is already done; `output` goes to later steps, `detail` says what was
    /// found ("volume data exists: vol_123").
    Satisfied { output: T, detail: String },
    /// The step would change something: `change` goes to apply, `summary` says what, for
    /// people ("create volume data (20 GB, ams)").
    Change { change: C, summary: String },
}

impl<T, C> Observation<T, C> {
    pub fn satisfied(output: T, detail: impl Into<String>) -> Self {
        Observation::Satisfied {
            output,
            detail: detail.into(),
        }
    }

    pub fn change(change: C, summary: impl Into<String>) -> Self {
        Observation::Change {
            change,
            summary: summary.into(),
        }
    }
}

/// What a step's apply did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied<T> {
    pub output: T,
    /// What changed ("created vol_123").
    pub detail: String,
}

impl<T> Applied<T> {
    pub fn new(output: T, detail: impl Into<String>) -> Self {
        Applied {
            output,
            detail: detail.into(),
        }
    }
}

/// The output of a step of a graph, to hand to the steps that need it.
pub struct Handle<T> {
    pub(crate) index: usize,
    _output: PhantomData<fn() -> T>,
}

impl<T> Clone for Handle<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Handle<T> {}

impl<T> std::fmt::Debug for Handle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Handle({})", self.index)
    }
}

/// The steps a step needs: `()`, one handle, or a tuple of handles. apply gets their outputs
/// as `Arc`s in the same shape; observe gets each one as an `Option`, `None` in a plan for a
/// dependency that would change first (its output does not exist yet).
pub trait Deps: Copy + Send + Sync + 'static {
    /// Every output, for apply.
    type Values: Send + 'static;
    /// Each output if it exists, for observe.
    type Seen: Send + 'static;
    #[doc(hidden)]
    fn indices(&self) -> Vec<usize>;
    #[doc(hidden)]
    fn fetch(&self, values: &[Option<Value>]) -> Option<Self::Values>;
    #[doc(hidden)]
    fn seen(&self, values: &[Option<Value>]) -> Self::Seen;
}

impl Deps for () {
    type Values = ();
    type Seen = ();
    fn indices(&self) -> Vec<usize> {
        Vec::new()
    }
    fn fetch(&self, _values: &[Option<Value>]) -> Option<()> {
        Some(())
    }
    fn seen(&self, _values: &[Option<Value>]) {}
}

impl<A: Send + Sync + 'static> Deps for Handle<A> {
    type Values = Arc<A>;
    type Seen = Option<Arc<A>>;
    fn indices(&self) -> Vec<usize> {
        vec![self.index]
    }
    fn fetch(&self, values: &[Option<Value>]) -> Option<Arc<A>> {
        values.get(self.index)?.clone()?.downcast::<A>().ok()
    }
    fn seen(&self, values: &[Option<Value>]) -> Option<Arc<A>> {
        self.fetch(values)
    }
}

macro_rules! tuple_deps {
    ($($name:ident),+) => {
        impl<$($name: Send + Sync + 'static),+> Deps for ($(Handle<$name>,)+) {
            type Values = ($(Arc<$name>,)+);
            type Seen = ($(Option<Arc<$name>>,)+);
            fn indices(&self) -> Vec<usize> {
                #[allow(non_snake_case)]
                let ($($name,)+) = self;
                vec![$($name.index),+]
            }
            fn fetch(&self, values: &[Option<Value>]) -> Option<Self::Values> {
                #[allow(non_snake_case)]
                let ($($name,)+) = self;
                Some(($($name.fetch(values)?,)+))
            }
            fn seen(&self, values: &[Option<Value>]) -> Self::Seen {
                #[allow(non_snake_case)]
                let ($($name,)+) = self;
                ($($name.fetch(values),)+)
            }
        }
    };
}

tuple_deps!(A, B);
tuple_deps!(A, B, C);
tuple_deps!(A, B, C, D);

type ObserveFn<'a, D, T, C, E> = Box<
    dyn Fn(<D as Deps>::Seen) -> BoxFuture<'a, Result<Observation<T, C>, E>> + Send + Sync + 'a,
>;
type ApplyFn<'a, D, T, C, E> =
    Box<dyn Fn(<D as Deps>::Values, C) -> BoxFuture<'a, Result<Applied<T>, E>> + Send + Sync + 'a>;
type UndoFn<'a, T, E> = Box<dyn Fn(Arc<T>) -> BoxFuture<'a, Result<String, E>> + Send + Sync + 'a>;

/// One step: a name, a title, the steps it needs, and its three parts.
///
/// `observe` only reads. It gets each dependency's output, or `None` in a plan where that
/// dependency would change first (then it can only say what it would do). `apply` makes the
/// change observe described, with every output at hand. `undo`, when given, reverses what apply did in this run.
pub struct Step<'a, D: Deps, T, C, E> {
    name: &'static str,
    title: String,
    deps: D,
    calls: Vec<String>,
    observe: ObserveFn<'a, D, T, C, E>,
    apply: ApplyFn<'a, D, T, C, E>,
    undo: Option<UndoFn<'a, T, E>>,
}

impl<'a, D, T, C, E> Step<'a, D, T, C, E>
where
    D: Deps,
    T: Send + Sync + 'static,
    C: Send + 'static,
    E: 'a,
{
    pub fn new<O, OF, A, AF>(
        name: &'static str,
        title: impl Into<String>,
        deps: D,
        observe: O,
        apply: A,
    ) -> Self
    where
        O: Fn(D::Seen) -> OF + Send + Sync + 'a,
        OF: Future<Output = Result<Observation<T, C>, E>> + Send + 'a,
        A: Fn(D::Values, C) -> AF + Send + Sync + 'a,
        AF: Future<Output = Result<Applied<T>, E>> + Send + 'a,
    {
        Step {
            name,
            title: title.into(),
            deps,
            calls: Vec::new(),
            observe: Box::new(move |values| Box::pin(observe(values))),
            apply: Box::new(move |values, change| Box::pin(apply(values, change))),
            undo: None,
        }
    }

    /// How to reverse this step's apply, for operations that roll back on failure.
    pub fn undo<U, UF>(mut self, undo: U) -> Self
    where
        U: Fn(Arc<T>) -> UF + Send + Sync + 'a,
        UF: Future<Output = Result<String, E>> + Send + 'a,
    {
        self.undo = Some(Box::new(move |output| Box::pin(undo(output))));
        self
    }

    /// The API calls the step may make, for people reading a plan.
    pub fn calls(mut self, calls: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.calls = calls.into_iter().map(Into::into).collect();
        self
    }
}

/// A step's change once its type is erased, for the runner.
pub(crate) type Change = Box<dyn Any + Send>;

pub(crate) enum Observed {
    Satisfied { output: Value, detail: String },
    Change { change: Change, summary: String },
}

/// The runner's view of a step: typed values go in and out as `Any`.
pub(crate) trait ErasedStep<'a, E>: Send + Sync {
    /// `None` when the inputs do not fit the step (a runner bug, reported, never a panic).
    fn observe(&self, values: &[Option<Value>]) -> BoxFuture<'a, Result<Observed, E>>;
    fn apply(
        &self,
        values: &[Option<Value>],
        change: Change,
    ) -> Option<BoxFuture<'a, Result<(Value, String), E>>>;
    fn undo(&self, output: Value) -> Option<BoxFuture<'a, Result<String, E>>>;
    fn has_undo(&self) -> bool;
}

impl<'a, D, T, C, E> ErasedStep<'a, E> for Step<'a, D, T, C, E>
where
    D: Deps,
    T: Send + Sync + 'static,
    C: Send + 'static,
    E: Send + 'a,
{
    fn observe(&self, values: &[Option<Value>]) -> BoxFuture<'a, Result<Observed, E>> {
        let observing = (self.observe)(self.deps.seen(values));
        Box::pin(async move {
            Ok(match observing.await? {
                Observation::Satisfied { output, detail } => Observed::Satisfied {
                    output: Arc::new(output),
                    detail,
                },
                Observation::Change { change, summary } => Observed::Change {
                    change: Box::new(change),
                    summary,
                },
            })
        })
    }

    fn apply(
        &self,
        values: &[Option<Value>],
        change: Change,
    ) -> Option<BoxFuture<'a, Result<(Value, String), E>>> {
        let values = self.deps.fetch(values)?;
        let change = change.downcast::<C>().ok()?;
        let applying = (self.apply)(values, *change);
        Some(Box::pin(async move {
            let applied = applying.await?;
            let output: Value = Arc::new(applied.output);
            Ok((output, applied.detail))
        }))
    }

    fn undo(&self, output: Value) -> Option<BoxFuture<'a, Result<String, E>>> {
        let undo = self.undo.as_ref()?;
        let output = output.downcast::<T>().ok()?;
        Some(undo(output))
    }

    fn has_undo(&self) -> bool {
        self.undo.is_some()
    }
}

pub(crate) struct Node<'a, E> {
    pub name: &'static str,
    pub title: String,
    pub needs: Vec<usize>,
    pub calls: Vec<String>,
    pub step: Box<dyn ErasedStep<'a, E> + 'a>,
}

/// An operation on one subject (a tenant): its steps in the order they were added, which is
/// an order that respects every dependency.
pub struct Graph<'a, E> {
    pub(crate) subject: String,
    pub(crate) nodes: Vec<Node<'a, E>>,
}

impl<'a, E: Send + 'a> Graph<'a, E> {
    /// An empty graph whose events name `subject` (the tenant id).
    pub fn new(subject: impl Into<String>) -> Self {
        Graph {
            subject: subject.into(),
            nodes: Vec::new(),
        }
    }

    /// Adds a step after the steps it depends on; its output is reached through the handle.
    pub fn add<D, T, C>(&mut self, step: Step<'a, D, T, C, E>) -> Handle<T>
    where
        D: Deps,
        T: Send + Sync + 'static,
        C: Send + 'static,
    {
        let index = self.nodes.len();
        self.nodes.push(Node {
            name: step.name,
            title: step.title.clone(),
            needs: step.deps.indices(),
            calls: step.calls.clone(),
            step: Box::new(step),
        });
        Handle {
            index,
            _output: PhantomData,
        }
    }

    pub fn subject(&self) -> &str {
        &self.subject
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}
