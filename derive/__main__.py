from derive.cli import main_exit

main_exit()
