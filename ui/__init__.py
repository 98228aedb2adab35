"""The Gradio front end: a thin page over rag.Assistant."""
