from fraudwarn.cli.main import main

main()
