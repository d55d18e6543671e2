/* A shared library that is not an IMC or IMV. */
int tnc_test_add(int a, int b) { return a + b; }
