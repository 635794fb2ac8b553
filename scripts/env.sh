# Sourced by the scripts: puts cargo-installed and npm-installed tools on PATH
# (trunk finds wasm-bindgen and wasm-opt only there).
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
export TRUNK_OFFLINE=true
export TRUNK_SKIP_VERSION_CHECK=true
