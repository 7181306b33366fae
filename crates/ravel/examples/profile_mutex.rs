//! One exploration of the 4x2 mutex counter, for profilers.
use ravel::sync::{Arc, Mutex};
use ravel::{thread, Builder};

fn main() {
    let o = Builder::new().explore(|| {
        let m = Arc::new(Mutex::new(0usize));
        let hs: Vec<_> = (0..3)
            .map(|_| {
                let m = m.clone();
                thread::spawn(move || {
                    for _ in 0..2 {
                        *m.lock().unwrap() += 1;
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
    });
    println!("{}", o.executions());
}
