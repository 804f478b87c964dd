# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
import json
import unittest

import wavelaunch


class BindingTest(unittest.TestCase):
    def test_version(self):
        self.assertRegex(wavelaunch.version(), r"^\d+\.\d+\.\d+$")

    def test_password_policy_errors_carry_fields(self):
        wavelaunch.check_password("Lantern-Orchard-58!", "ana@example.com")
        with self.assertRaises(wavelaunch.WavelaunchError) as cm:
            wavelaunch.check_password("Password1!")
        err = cm.exception
        self.assertEqual(err.slug, "validation_failed")
        self.assertIn("password", json.loads(err.fields))
        self.assertEqual(wavelaunch.http_status(err.code), 422)

    def test_email(self):
        self.assertEqual(wavelaunch.normalize_email(" Ana@Example.COM "), "ana@example.com")
        for bad in ["", "no-at", "a@b", "x@example.com\r\nBcc: y@z.q"]:
            with self.assertRaises(wavelaunch.WavelaunchError):
                wavelaunch.normalize_email(bad)


if __name__ == "__main__":
    unittest.main()
