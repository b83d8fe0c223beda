"""smsc-soap's benchmarks: ``python -m bench`` (``--quick`` for a small smoke run).

Every figure is taken side by side with what it is compared to, in the same round, with the
order shuffled from round to round, and reported as min/median/max over rounds: the machines
this runs on are shared and noisy.
"""
