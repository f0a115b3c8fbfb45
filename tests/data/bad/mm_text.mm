%%MatrixMarket matrix coordinate real general
1 1 1
1 1 q
