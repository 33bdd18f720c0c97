/* SPDX-License-Identifier: GPL-2.0-or-later */
/* placeholder: replaced by the real program */
int main(void)
{
	return 1;
}
