"""Training the support judge (rag.judge): data built from the shared corpora, the sentence-transformers
CrossEncoder trainer, int8 ONNX export with a manifest. Sits with eval: it may use rag and index, nothing
above it uses it but the CLI."""
