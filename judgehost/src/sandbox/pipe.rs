//! In-memory byte pipes for guest stdio: a capped capture for stdout/stderr,
//! and a pipe between two guests for interactive problems. Reads block the
//! guest until data, end of stream or cancellation; a write past the cap traps.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use bytes::Bytes;
use tokio::sync::Notify;
use wasmtime_wasi::cli::{IsTerminal, StdinStream, StdoutStream};
use wasmtime_wasi::p2::{InputStream, OutputStream, Pollable, StreamError, StreamResult};

/// Largest chunk a guest may write at once.
const WRITE_PERMIT: usize = 64 * 1024;

#[derive(Debug, Default)]
struct State {
    buf: VecDeque<u8>,
    /// Everything ever written (the cap applies to this).
    written: usize,
    /// The writer finished, or the run was cancelled: readers see end of stream.
    closed: bool,
    /// The reader is gone: writers see a broken pipe.
    reader_gone: bool,
    /// A write went past the cap.
    overflowed: bool,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    /// Wakes guests (async readers).
    notify: Notify,
    /// Wakes host threads that read with [`Pipe::read_blocking`].
    changed: Condvar,
    cap: usize,
    /// Past the cap: trap (stdout) or silently drop (stderr).
    trap_on_overflow: bool,
}

/// A byte pipe with a cap on the total written.
#[derive(Debug, Clone)]
pub struct Pipe(Arc<Shared>);

impl Pipe {
    /// A pipe that traps the writer when more than `cap` bytes are written.
    pub fn capped(cap: usize) -> Pipe {
        Self::new(cap, true)
    }

    /// A pipe that keeps the first `cap` bytes and drops the rest silently.
    pub fn truncating(cap: usize) -> Pipe {
        Self::new(cap, false)
    }

    /// A pipe already holding `data`, closed for writing (a testcase's input).
    pub fn with_input(data: &[u8]) -> Pipe {
        let p = Self::new(data.len(), true);
        {
            let mut s = p.lock();
            s.buf.extend(data);
            s.written = data.len();
            s.closed = true;
        }
        p
    }

    fn new(cap: usize, trap_on_overflow: bool) -> Pipe {
        Pipe(Arc::new(Shared {
            state: Mutex::new(State::default()),
            notify: Notify::new(),
            changed: Condvar::new(),
            cap,
            trap_on_overflow,
        }))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.0.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wake(&self) {
        self.0.notify.notify_waiters();
        self.0.changed.notify_all();
    }

    /// Ends the stream: readers drain what is left, then see end of file.
    pub fn close(&self) {
        self.lock().closed = true;
        self.wake();
    }

    /// Marks the reader gone: further writes fail with a broken pipe.
    pub fn close_reader(&self) {
        self.lock().reader_gone = true;
        self.wake();
    }

    /// For a host thread: waits for data and takes up to `max` bytes;
    /// `None` at end of stream (closed and drained, or the reader gone).
    pub fn read_blocking(&self, max: usize) -> Option<Vec<u8>> {
        let mut s = self.lock();
        loop {
            if s.reader_gone {
                return None;
            }
            if !s.buf.is_empty() {
                let n = max.min(s.buf.len());
                return Some(s.buf.drain(..n).collect());
            }
            if s.closed {
                return None;
            }
            s = self.0.changed.wait(s).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// For a host thread: appends `bytes` as a writer would; `false` when
    /// the reader is gone or the cap is passed (the pipe then says it
    /// overflowed).
    pub fn write_from_host(&self, bytes: &[u8]) -> bool {
        let mut s = self.lock();
        if s.reader_gone {
            return false;
        }
        let room = self.0.cap.saturating_sub(s.written);
        let ok = bytes.len() <= room;
        let n = bytes.len().min(room);
        s.buf.extend(&bytes[..n]);
        s.written += n;
        if !ok {
            s.overflowed = true;
        }
        drop(s);
        self.wake();
        ok
    }

    /// Whether a write went past the cap.
    pub fn overflowed(&self) -> bool {
        self.lock().overflowed
    }

    /// Takes what is buffered.
    pub fn take(&self) -> Vec<u8> {
        self.lock().buf.drain(..).collect()
    }

    /// The end a guest reads from (its stdin).
    pub fn reader(&self) -> PipeReader {
        PipeReader(self.clone())
    }

    /// The end a guest writes to (its stdout or stderr).
    pub fn writer(&self) -> PipeWriter {
        PipeWriter(self.clone())
    }
}

/// The reading end of a [`Pipe`].
#[derive(Debug, Clone)]
pub struct PipeReader(Pipe);

/// The writing end of a [`Pipe`].
#[derive(Debug, Clone)]
pub struct PipeWriter(Pipe);

impl IsTerminal for PipeReader {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl IsTerminal for PipeWriter {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdinStream for PipeReader {
    fn p2_stream(&self) -> Box<dyn InputStream> {
        Box::new(self.clone())
    }
    // Only WASIp3 uses the async view, and we link WASIp1 alone.
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncRead + Send + Sync> {
        Box::new(tokio::io::empty())
    }
}

impl StdoutStream for PipeWriter {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(tokio::io::sink())
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for PipeReader {
    async fn ready(&mut self) {
        let pipe = &self.0;
        loop {
            let notified = pipe.0.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let s = pipe.lock();
                if !s.buf.is_empty() || s.closed || s.reader_gone {
                    return;
                }
            }
            notified.await;
        }
    }
}

impl InputStream for PipeReader {
    /// Waits for data like a blocking pipe read: a guest's libc may read
    /// without polling first, and an empty answer would be end of file (or
    /// `EAGAIN`) to it, not "not yet". The guest runs on a thread of its own,
    /// and every pipe is closed at the latest at the run's wall-clock limit,
    /// so the wait always ends.
    fn read(&mut self, size: usize) -> StreamResult<Bytes> {
        let pipe = &self.0;
        let mut s = pipe.lock();
        loop {
            if !s.buf.is_empty() {
                let n = size.min(s.buf.len());
                return Ok(s.buf.drain(..n).collect::<Vec<u8>>().into());
            }
            if s.closed || s.reader_gone {
                return Err(StreamError::Closed);
            }
            s = pipe.0.changed.wait(s).unwrap_or_else(|e| e.into_inner());
        }
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for PipeWriter {
    async fn ready(&mut self) {}
}

#[wasmtime_wasi::async_trait]
impl OutputStream for PipeWriter {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        let pipe = &self.0;
        let mut s = pipe.lock();
        if s.reader_gone {
            return Err(StreamError::Closed);
        }
        let room = pipe.0.cap.saturating_sub(s.written);
        if bytes.len() > room {
            s.overflowed = true;
            if pipe.0.trap_on_overflow {
                return Err(StreamError::trap("output limit exceeded"));
            }
            s.buf.extend(&bytes[..room]);
            s.written += room;
            return Ok(());
        }
        s.buf.extend(&bytes[..]);
        s.written += bytes.len();
        drop(s);
        pipe.wake();
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    /// Always room: a broken pipe is the next *write's* error, as with a
    /// real pipe. (Failing here would fail the flush of bytes already
    /// written: an interactive validator that reads the last guess, answers
    /// and exits before the guest's `print(…, flush=True)` returns would turn
    /// a correct submission into a crash.)
    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(WRITE_PERMIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The race an interactive validator makes: it reads the guest's last
    /// line, answers and exits before the guest's flush of that line
    /// returns. The flush must succeed (the bytes were taken); only a
    /// further write sees the broken pipe.
    #[test]
    fn a_flush_after_the_reader_left_succeeds_and_the_next_write_fails() {
        let pipe = Pipe::capped(1 << 20);
        let mut w = pipe.writer();
        w.write(Bytes::from_static(b"500\n")).expect("written");
        assert_eq!(pipe.read_blocking(64).as_deref(), Some(&b"500\n"[..]));
        pipe.close_reader();
        assert!(w.flush().is_ok());
        assert_eq!(w.check_write().ok(), Some(WRITE_PERMIT), "flush readiness");
        assert!(matches!(
            w.write(Bytes::from_static(b"501\n")),
            Err(StreamError::Closed)
        ));
    }
}
