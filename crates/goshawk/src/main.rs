//! The `goshawk` command line: wires sources, the engine and sinks together.

fn main() {
    println!("goshawk");
}
