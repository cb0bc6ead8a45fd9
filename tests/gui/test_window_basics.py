from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QLineEdit, QProgressBar, QPushButton


def test_window_builds_with_contract_names(make_window, qtbot):
    window = make_window()
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle() == "Backprop Lab"
    buttons = ("trainButton", "trainFromScratchButton", "pauseButton", "stepButton", "stopButton",
               "resetButton")  # fmt: skip
    for name in buttons:
        assert window.findChild(QPushButton, name) is not None, name
    assert window.findChild(QProgressBar, "progressBar") is not None
    assert window.findChild(QLineEdit, "hiddenLayersInput") is not None
    for name in ("activationInput", "initInput", "optimizerInput"):
        assert window.findChild(QComboBox, name) is not None, name
    for name in ("batchSizeInput", "epochsInput", "seedInput", "learningRateInput"):
        assert window.findChild(QAbstractSpinBox, name) is not None, name
    assert window.findChild(QComboBox, "speedInput") is not None
    assert window.findChild(QPushButton, "trainButton").isEnabled()


def test_window_has_every_contract_name_of_the_issues(make_window):
    from PySide6.QtWidgets import QWidget

    window = make_window()
    names = [
        "learningRateInput", "momentumInput",  # the form (issue 3)
        "drawCanvas", "clearCanvasButton", "predictionLabel",  # drawing (issue 4)
        "worstErrorsView", "confusionMatrixView",
        "runsTable", "frameworkCheckView", "labQuestionsView", "mainTabs",  # issue 5, tabs
    ]  # fmt: skip
    missing = [name for name in names if window.findChild(QWidget, name) is None]
    assert missing == []
