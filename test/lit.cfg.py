# lit uses the configuration nearest to the paths it is given and resolves
# them against that configuration's test_source_root; the repository's
# lit.cfg.py sets it to this directory, so `lit test/attn` would look for
# test/test/attn.  Sharing the configuration from here makes both `lit .`
# (at the root) and `lit test/...` work.
import os

lit_config.load_config(
    config, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                         "lit.cfg.py"))
