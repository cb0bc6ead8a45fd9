"""Backprop Lab's desktop interface (PySide6 + pyqtgraph).

``from gui import MainWindow`` builds the main window; the import is lazy so that modules which
only need ``gui.session`` do not load pyqtgraph.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gui.main_window import MainWindow

__all__ = ["MainWindow"]


def __getattr__(name: str):
    if name == "MainWindow":
        from gui.main_window import MainWindow

        return MainWindow
    raise AttributeError(f"module 'gui' has no attribute {name!r}")
