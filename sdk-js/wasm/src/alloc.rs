//! The wasm's allocator: free lists by power-of-two size class over memory taken with
//! `memory.grow`. The standard library's dlmalloc is about 7 KB of the browser's wasm (3 KB
//! brotli); this is a few hundred bytes. The SDK's heap is small and its allocation pattern
//! repeats (compile a config once, then decide and record), so blocks are reused by class and
//! never split or merged: at most twice the live bytes per class, no search.
//!
//! wasm32 in the browser is single-threaded here (no shared memory), which is what makes the
//! unsynchronised state sound.
//!
//! The one module of the SDK with unsafe code, as an allocator must be: `GlobalAlloc` is an
//! unsafe trait over raw pointers, and the free lists live in the blocks themselves.
#![allow(unsafe_code)]

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::null_mut;

const PAGE: usize = 65_536;
/// The smallest block: room for the free-list link, and the alignment every block gets.
const MIN: usize = 16;
const CLASSES: usize = usize::BITS as usize;

struct State {
    /// Head of the free list of each class (class `c` holds blocks of `MIN << c` bytes).
    free: [*mut u8; CLASSES],
    /// Unused memory taken from the host: `next..end`.
    next: usize,
    end: usize,
}

pub struct ClassAlloc(UnsafeCell<State>);

// Sound only without threads: see the module's comment.
unsafe impl Sync for ClassAlloc {}

impl ClassAlloc {
    pub const fn new() -> ClassAlloc {
        ClassAlloc(UnsafeCell::new(State {
            free: [null_mut(); CLASSES],
            next: 0,
            end: 0,
        }))
    }
}

/// The class of a request and its block size, or `None` if no block can hold it.
fn class(layout: Layout) -> Option<(usize, usize)> {
    let size = layout
        .size()
        .max(layout.align())
        .max(MIN)
        .checked_next_power_of_two()?;
    Some(((size / MIN).trailing_zeros() as usize, size))
}

unsafe impl GlobalAlloc for ClassAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some((c, size)) = class(layout) else {
            return null_mut();
        };
        let s = &mut *self.0.get();
        let head = s.free[c];
        // A block of class c is aligned to min(its size, the bump alignment below), which
        // covers any alignment up to its size; larger alignments than MIN come from fresh memory.
        if !head.is_null() && (head as usize) & (layout.align() - 1) == 0 {
            s.free[c] = *(head as *mut *mut u8);
            return head;
        }
        let align = layout.align().max(MIN);
        let start = (s.next + align - 1) & !(align - 1);
        if start.checked_add(size).is_none_or(|e| e > s.end) {
            let pages = (size + align).div_ceil(PAGE);
            let old = core::arch::wasm32::memory_grow(0, pages);
            if old == usize::MAX {
                return null_mut();
            }
            // Memory just grown starts at the old end; what was left below it is dropped.
            if old * PAGE != s.end {
                s.next = old * PAGE;
            }
            s.end = (old + pages) * PAGE;
            return self.alloc(layout);
        }
        s.next = start + size;
        start as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some((c, _)) = class(layout) {
            let s = &mut *self.0.get();
            *(ptr as *mut *mut u8) = s.free[c];
            s.free[c] = ptr;
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = Layout::from_size_align_unchecked(new_size, layout.align());
        // Same class: the block already has the room.
        if class(layout) == class(new) {
            return ptr;
        }
        let out = self.alloc(new);
        if !out.is_null() {
            core::ptr::copy_nonoverlapping(ptr, out, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        out
    }
}
