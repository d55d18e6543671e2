//! Opening a plug-in library and resolving its entry points.

use std::path::{Path, PathBuf};

use super::CAbiError;

/// An opened shared object.
///
/// The library is never unloaded (`dlclose`), like strongSwan with `dlclose = no`: a library
/// that registered thread-local destructors with the C runtime — every Rust `cdylib` does, and
/// many C libraries too — would crash the process at the next thread exit once unmapped.
/// Dropping a loaded plug-in still calls its `Terminate`; loading the same path again reuses
/// the mapping, and the plug-in initialises afresh.
#[derive(Debug)]
pub struct PluginLibrary {
    lib: core::mem::ManuallyDrop<libloading::Library>,
    path: PathBuf,
}

impl PluginLibrary {
    /// `dlopen`s `path` with `RTLD_NOW | RTLD_LOCAL` (unresolved symbols fail here, not later).
    pub fn open(path: &Path) -> Result<Self, CAbiError> {
        let err = |e: libloading::Error| CAbiError::Open {
            path: path.to_owned(),
            message: e.to_string(),
        };
        #[cfg(unix)]
        // SAFETY: loading a library runs its initialisers; loading the plug-ins the
        // administrator configured is the purpose of this module, and the library is trusted to
        // the extent any IF-IMC/IF-IMV host trusts its plug-ins.
        let lib = unsafe {
            libloading::os::unix::Library::open(
                Some(path),
                libloading::os::unix::RTLD_NOW | libloading::os::unix::RTLD_LOCAL,
            )
        }
        .map(libloading::Library::from)
        .map_err(err)?;
        #[cfg(not(unix))]
        // SAFETY: as above.
        let lib = unsafe { libloading::Library::new(path) }.map_err(err)?;
        Ok(Self {
            lib: core::mem::ManuallyDrop::new(lib),
            path: path.to_owned(),
        })
    }

    /// The library's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The entry point `symbol`, or `None` if the library does not export it.
    ///
    /// # Safety
    ///
    /// `T` must be the function-pointer type the standard defines for `symbol`, and the
    /// returned pointer must not be used after this library is dropped.
    pub unsafe fn optional<T: Copy>(&self, symbol: &'static str) -> Option<T> {
        // SAFETY: the caller guarantees T is the symbol's type; the pointer's lifetime is the
        // caller's responsibility (documented above).
        unsafe { self.lib.get::<T>(symbol.as_bytes()) }
            .ok()
            .map(|s| *s)
    }

    /// The mandatory entry point `symbol`.
    ///
    /// # Safety
    ///
    /// As [`optional`](Self::optional).
    pub unsafe fn required<T: Copy>(&self, symbol: &'static str) -> Result<T, CAbiError> {
        // SAFETY: forwarded caller promise.
        unsafe { self.optional(symbol) }.ok_or_else(|| CAbiError::MissingEntryPoint {
            path: self.path.clone(),
            symbol,
        })
    }
}

/// Polls a future to completion on the current thread, parking between wake-ups (the exporter
/// runs async trait methods from synchronous C calls).
pub fn block_on<F: core::future::Future>(f: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(std::sync::Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut f = core::pin::pin!(f);
    loop {
        if let core::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}
