"""Documents: the render context, figures, templates and the LaTeX build."""
