"""The domain as the regulations define it: SKM / IKM (PermenPAN-RB 14/2017), BerAKHLAK and
predikat kinerja (PermenPAN-RB 6/2022), periods. Pure: no I/O, imports nothing outside the
standard library and this package."""
