"""Exercises that check themselves: one module of checks per notebook.

At the end of every notebook the student fills in a function (a stub that raises
NotImplementedError until then) and calls its check:

    >>> from convnet_lib.exercises import ch03 as check
    >>> check.dense_block(my_dense_block)
    Exercise A: a dense block that concatenates correctly
      right: output shape (8, 8, 40)
      ...

A check compares the student's function with the library's reference implementation
(output shape, parameter count, outputs on the same random weights and inputs, or the
value of a formula on several cases), prints what is right, what is wrong and a hint for
the typical mistake it recognises, and returns True or False. It never raises: an
untouched stub prints "not attempted yet", an error in the student's code is reported.
Checks run offline in a few seconds with the project's dependencies only; they do not
read the solutions (the `solutions/` folder of the repository), so an instructor can hand
out the project without that folder.

Modules: ch00 (getting started), ch01 (Inception), ch02 (Xception), ch03 (DenseNet),
ch04 (ensembles), ch05 (SENet), ch06 (complexity comparison); `_report` holds what they
share.
"""

from convnet_lib.exercises._report import NOT_ATTEMPTED

__all__ = ["NOT_ATTEMPTED"]
