"""Offscreen screenshots of the "Framework check" and "Lab questions" views after the lab's run.

Trains the lab's network (10 sigmoid units, lr 0.1, one sample at a time, 15 epochs) with the
engine, runs the scikit-learn check in its worker thread, and writes
``docs/screenshots/framework-check.png`` and ``docs/screenshots/lab-questions.png``.

Run: ``python bench/screenshot_framework.py``
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEventLoop  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from engine import RunConfig, fit  # noqa: E402
from gui.experiments.framework_view import FrameworkView  # noqa: E402
from gui.experiments.lab_questions_view import LabQuestionsView  # noqa: E402
from gui.session import Session  # noqa: E402
from gui.training.plots import configure_pyqtgraph  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    configure_pyqtgraph()
    session = Session()
    config = RunConfig()  # the lab's run
    model = config.build_model(session.data.n_features, 10)
    data = session.data
    history = fit(
        model,
        data.X_train,
        data.y_train,
        data.X_test,
        data.y_test,
        epochs=config.epochs,
        learning_rate=config.learning_rate,
        batch_size=config.batch_size,
        seed=config.seed,
    )
    session.set_model(model, config, history)
    OUT.mkdir(parents=True, exist_ok=True)

    framework = FrameworkView(session)
    framework.resize(1200, 640)
    framework.show()
    loop = QEventLoop()
    framework.check_finished.connect(loop.quit)
    framework.start()
    loop.exec()
    app.processEvents()
    framework.grab().save(str(OUT / "framework-check.png"))
    check = framework.check
    print(f"scikit-learn: {check.status}, test accuracy {100 * check.final.test_accuracy:.1f} %")

    questions = LabQuestionsView(session)
    questions.resize(1000, 420)
    questions.show()
    app.processEvents()
    questions.grab().save(str(OUT / "lab-questions.png"))
    for line in questions.answers.lines():
        print(line)
    print(questions.verdict)
    framework.close()
    questions.close()


if __name__ == "__main__":
    main()
