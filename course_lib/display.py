"""Show the library's own code in a notebook, so chapters never paste a copy."""
import inspect


def source(obj):
    """Return the source code of a function, class or method as a string."""
    try:
        return inspect.getsource(obj)
    except TypeError:
        raise TypeError(f"obj must be a function, class, method or module, got {type(obj).__name__}") from None


def show_source(obj):
    """Display ``obj``'s source as a highlighted code block (plain text outside IPython).

    The block is Markdown, so the static website renders it with syntax
    highlighting; the text comes from the installed, tested library.
    """
    code = source(obj)
    try:
        from IPython.display import Markdown, display
    except ImportError:  # plain Python: print is all there is
        print(code)
        return
    display(Markdown(f"```python\n{code}```"))
