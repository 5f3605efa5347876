// Preloaded (`node --import`) by the shutdown-while-loading test: a model load that takes as long as the test
// needs. node-llama-cpp's getLlama() first tests its native binary in a forked child, which inherits this
// preload through execArgv; there, the child's messages are swallowed, so the parent keeps waiting for a
// "ready" that never comes (up to node-llama-cpp's own 5-minute timeout). The child ends with its parent.
if (process.argv[1]?.includes("testBindingBinary") === true) {
  process.send = () => true;
  process.once("disconnect", () => process.exit(0));
}
