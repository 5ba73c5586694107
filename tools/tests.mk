# Host tests of the shipping pieces (each prints TAP): make install and
# uninstall into a scratch DESTDIR, and dkms builds against every kernel.
HOST_TESTS += tools/install-test.sh tools/dkms-test.sh
