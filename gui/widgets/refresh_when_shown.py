"""Views whose refresh is costly recompute only while they are on screen."""


class RefreshWhenShown:
    """Mixin for a QWidget with a ``refresh()`` method (put it before QWidget in the bases).

    ``refresh_when_visible()`` refreshes at once if the widget is shown, else marks it stale, and
    a stale widget refreshes when it is next shown: a hidden tab costs nothing at the end of
    every run. ``refresh()`` must set ``self.stale = False``.
    """

    stale = True

    def refresh_when_visible(self, *_signal_args) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self.stale = True

    def showEvent(self, event) -> None:
        if self.stale:
            self.refresh()
        super().showEvent(event)
