//! The desktop boundary, generated from one list (`list.rs`).
//!
//! `desktop_boundary!` turns each line of the list into:
//! - the `#[tauri::command]` the window calls, named and shaped exactly as listed, whose body is
//!   one call of the adapter in the module named (so the compiler checks the list against the
//!   adapter: argument types, order and answer);
//! - an entry of [`COMMANDS`] (what `build.rs`, which includes the same list with its own
//!   macro, turns into Tauri's permission list and the capability file);
//! - a [`Command`] describing it in TypeScript, from which `cargo test` writes the UI's typed
//!   backend (`ui/src/lib/backend/generated/boundary.ts`; `scripts/test.sh` fails when that
//!   changes a committed file).
//!
//! Events get the same: a constant holding the name and, in its type, the payload (a
//! [`TypedEvent`], whose `emit` takes only that payload), and a typed subscriber in the UI whose
//! payload type comes from ts-rs.

use std::marker::PhantomData;

use serde::Serialize;
use tauri::{AppHandle, Emitter, Runtime};
use tipvault_app as app;
use tipvault_app::AppError;

use crate::reauth::ReauthInput;
use crate::{commands, keys, ledger, redeem, risk, session};

/// One command as the UI sees it.
#[derive(Debug)]
pub struct Command {
    /// The Rust name, which is also the IPC name (`create_vault`).
    pub name: &'static str,
    /// The doc comment's lines.
    pub docs: &'static [&'static str],
    /// Each argument's Rust name and TypeScript type.
    pub args: Vec<(&'static str, String)>,
    /// The answer's TypeScript type.
    pub answer: String,
    /// The exported types the arguments and answer name (for the imports).
    pub types: Vec<ts_rs::Dependency>,
}

/// One event as the UI sees it.
#[derive(Debug)]
pub struct Event {
    /// The Rust constant's name (`VAULT_LOCKED`).
    pub constant: &'static str,
    /// The event's name on the wire (`vault-locked`).
    pub name: &'static str,
    /// The doc comment's lines.
    pub docs: &'static [&'static str],
    /// The payload's TypeScript type.
    pub payload: String,
    /// The exported types the payload names.
    pub types: Vec<ts_rs::Dependency>,
}

/// Collects the exported types a type expression names: `Vec<Option<X>>` names `X`, and an
/// exported type names itself (not what its own fields name: its own file imports those).
struct Named<'a> {
    cfg: &'a ts_rs::Config,
    found: Vec<ts_rs::Dependency>,
}

impl ts_rs::TypeVisitor for Named<'_> {
    fn visit<T: ts_rs::TS + 'static + ?Sized>(&mut self) {
        match ts_rs::Dependency::from_ty::<T>(self.cfg) {
            Some(dep) => self.found.push(dep),
            None => T::visit_generics(self),
        }
    }
}

fn named<T: ts_rs::TS + 'static + ?Sized>(cfg: &ts_rs::Config, into: &mut Vec<ts_rs::Dependency>) {
    let mut visitor = Named {
        cfg,
        found: Vec::new(),
    };
    ts_rs::TypeVisitor::visit::<T>(&mut visitor);
    into.append(&mut visitor.found);
}

/// An event of the list: its name, and its payload's type, so nothing else can be sent under
/// its name (the UI's subscriber is generated for that type).
pub struct TypedEvent<P> {
    name: &'static str,
    payload: PhantomData<fn(&P)>,
}

impl<P: Serialize> TypedEvent<P> {
    const fn new(name: &'static str) -> Self {
        TypedEvent {
            name,
            payload: PhantomData,
        }
    }

    /// Tells the window. Best effort: a window that is gone, or not listening, misses nothing
    /// it could act on (each screen reloads its state when it opens).
    pub fn emit<R: Runtime>(&self, to: &impl Emitter<R>, payload: &P) {
        let _ = to.emit(self.name, payload);
    }
}

macro_rules! desktop_boundary {
    (
        commands {
            $(
                $(#[doc = $doc:literal])*
                $module:ident :: $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $answer:ty ;
            )*
        }
        events {
            $(
                $(#[doc = $edoc:literal])*
                $constant:ident $event:literal => $payload:ty ;
            )*
        }
    ) => {
        /// Every command's IPC name, in the list's order.
        pub const COMMANDS: &[&str] = &[$(stringify!($name)),*];

        $(
            $(#[doc = $edoc])*
            pub const $constant: TypedEvent<$payload> = TypedEvent::new($event);
        )*

        /// The generated commands, each one call of its adapter.
        mod generated {
            #![allow(clippy::too_many_arguments)]
            use super::*;
            $(
                $(#[doc = $doc])*
                #[tauri::command]
                pub async fn $name<R: Runtime>(
                    handle: AppHandle<R>,
                    $($arg: $ty),*
                ) -> Result<$answer, AppError> {
                    $module::$name(handle, $($arg),*).await
                }
            )*
        }

        /// Registers every command of the list on `builder`.
        pub fn register<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
            builder.invoke_handler(tauri::generate_handler![$(generated::$name),*])
        }

        /// Every command as the UI sees it, for the TypeScript backend.
        pub fn command_list(cfg: &ts_rs::Config) -> Vec<Command> {
            vec![$({
                let mut types = Vec::new();
                $(named::<$ty>(cfg, &mut types);)*
                named::<$answer>(cfg, &mut types);
                Command {
                    name: stringify!($name),
                    docs: &[$($doc),*],
                    args: vec![$((stringify!($arg), <$ty as ts_rs::TS>::name(cfg))),*],
                    answer: <$answer as ts_rs::TS>::name(cfg),
                    types,
                }
            }),*]
        }

        /// Every event as the UI sees it.
        pub fn event_list(cfg: &ts_rs::Config) -> Vec<Event> {
            vec![$({
                let mut types = Vec::new();
                named::<$payload>(cfg, &mut types);
                Event {
                    constant: stringify!($constant),
                    name: $event,
                    docs: &[$($edoc),*],
                    payload: <$payload as ts_rs::TS>::name(cfg),
                    types,
                }
            }),*]
        }
    };
}

include!("list.rs");

pub mod typescript;
